-- POST batches of events in Lago's wire format, every transaction_id unique: "<run>-<thread>-<request>-<index>".
-- Arguments (after `--`): run tag, API key, external_subscription_id, code, Unix timestamp, batch size.
-- Everything but the per-request id prefix is built once per thread, so the generator stays cheap beside the server.
-- done() prints one JSON line that bench/wrk.py reads; `sent` counts requests written, answered or not, and
-- `not_200` answers of any other status (wrk's own error count only sees statuses above 399).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  run_tag = args[1]
  local api_key, subscription, code, timestamp = args[2], args[3], args[4], args[5]
  batch_size = tonumber(args[6])
  sent = 0
  not_200 = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if api_key ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. api_key
  end
  -- parts alternates the per-request prefix (odd slots, filled in request()) and each event's fixed rest.
  parts = {}
  for index = 1, batch_size do
    local separator = index < batch_size and "," or "]}"
    parts[2 * index] = index .. '","external_subscription_id":"' .. subscription .. '","code":"' .. code
      .. '","timestamp":' .. timestamp .. ',"properties":{"value":' .. (index % 10)
      .. ',"region":"eu-west-1","plan_tier":"growth"}}' .. separator
  end
  id_prefix = run_tag .. "-" .. thread_id .. "-"
end

function request()
  sent = sent + 1
  local prefix = '{"transaction_id":"' .. id_prefix .. sent .. "-"
  for index = 1, batch_size do
    parts[2 * index - 1] = prefix
  end
  parts[1] = '{"events":[' .. prefix
  return wrk.format(nil, nil, nil, table.concat(parts))
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

function done(summary, latency, requests)
  local total_sent, total_not_200 = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_not_200 = total_not_200 + thread:get("not_200")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"wrk": {"requests": %d, "sent": %d, "not_200": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "p50": %d, "p99": %d, "max": %d}}}\n',
    summary.requests, total_sent, total_not_200, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max
  ))
end
