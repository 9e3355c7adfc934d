"""The ClickHouse store's inbox: acknowledged events wait in Redis, durably, until the flusher forwards them.

Ingestion is one Lua script per batch: it refuses the batch if any (organization, subscription, transaction_id) was
seen within the deduplication window (fields of expiring hashes, one per organization and window), else appends the
batch to the organization's stream as one entry: the batch's `events` rows, column-wise (rows.py), so that the flusher
only joins entries. Redis must persist every write before answering (appendonly yes, appendfsync always), or an
acknowledged event could be lost with the server: the inbox refuses to work otherwise.

Past the window a repeated transaction_id is acknowledged again but never counted twice: the flusher drops keys
ClickHouse already holds, and every query deduplicates.

The flusher takes an organization's stream under a lock (one flusher per organization at a time), inserts the
entries' events into ClickHouse, then deletes the entries. A flusher that dies between the two leaves the entries
for the next one, which skips the keys ClickHouse already has.
"""

import contextlib
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from uuid import UUID

import orjson
import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from billing.errors import ServiceUnavailable
from metering.stores.base import EventRecord
from metering.stores.clickhouse.rows import (
    ORGANIZATION,
    SUBSCRIPTION,
    TRANSACTION,
    Columns,
    PropertyValues,
    queued_row,
    records_columns,
    rows_columns,
)

# An organization's flush lock outlives any healthy batch (ClickHouse answers a 20,000-event insert in about a second);
# each batch extends it, and a dead flusher's lock frees itself within it, so a usage read waiting behind a killed
# worker answers (or gives up with a 503) within this time.
LOCK_MILLISECONDS = 120_000
LOCK_POLL_SECONDS = 0.01

# KEYS: backlog hash, appended hash, organizations set, one stream per group.
# ARGV: the window in seconds, the deduplication hashes' prefix, then per group: organization_id, event count, payload,
# and its events' (external_subscription_id, transaction_id) pairs NUL-separated (ids cannot hold NUL: ingestion
# refuses it). The fields are built here rather than sent one argument each: packing hundreds of arguments cost the
# web process more than the round trip. (Keys a script builds are not declared: fine on one Redis, not on a cluster.)
#
# Seen keys are fields of one hash per organization and window-long time bucket, which expires once the next bucket
# ends: a key is refused for at least a window and at most two. A key of its own per event, each with its expiry, cost
# Redis twice the memory, and a hundred SETs per batch (each one written to the append-only file) took most of its CPU;
# a batch is now two HMGETs and one HSET.
_APPEND = """
local window, prefix = tonumber(ARGV[1]), ARGV[2]
local bucket = math.floor(tonumber(redis.call('TIME')[1]) / window)
local groups = (#ARGV - 2) / 4
local fields, duplicates, position, chunk = {}, {}, 0, 1000
local function each_chunk(list, call)
  for first = 1, #list, chunk do call(unpack(list, first, math.min(first + chunk - 1, #list))) end
end
for group = 1, groups do
  local organization, ids = ARGV[4 * group - 1], ARGV[4 * group + 2]
  local names, start = {}, 1
  while start <= #ids do
    local separator = string.find(ids, '\\0', start, true)
    local subscription = string.sub(ids, start, separator - 1)
    local next_separator = string.find(ids, '\\0', separator + 1, true) or (#ids + 1)
    local transaction = string.sub(ids, separator + 1, next_separator - 1)
    names[#names + 1] = #subscription .. ':' .. subscription .. ':' .. transaction
    start = next_separator + 1
  end
  local seen = {}
  for _, hash in ipairs({prefix .. organization .. ':' .. bucket, prefix .. organization .. ':' .. (bucket - 1)}) do
    local offset = 0
    each_chunk(names, function(...)
      local found = redis.call('HMGET', hash, ...)
      for index = 1, #found do
        if found[index] then seen[offset + index] = true end
      end
      offset = offset + #found
    end)
  end
  local in_batch = {}
  for index, name in ipairs(names) do
    if seen[index] or in_batch[name] then duplicates[#duplicates + 1] = position + index - 1 end
    in_batch[name] = true
  end
  fields[group] = names
  position = position + #names
end
if #duplicates > 0 then return duplicates end
for group = 1, groups do
  local organization, count, payload = ARGV[4 * group - 1], ARGV[4 * group], ARGV[4 * group + 1]
  local hash, pairs_ = prefix .. organization .. ':' .. bucket, {}
  for _, name in ipairs(fields[group]) do
    pairs_[#pairs_ + 1] = name
    pairs_[#pairs_ + 1] = '1'
  end
  each_chunk(pairs_, function(...) redis.call('HSET', hash, ...) end)
  redis.call('EXPIREAT', hash, (bucket + 2) * window)
  redis.call('XADD', KEYS[3 + group], '*', 'columns', payload)
  redis.call('HINCRBY', KEYS[1], organization, count)
  redis.call('HINCRBY', KEYS[2], organization, count)
  redis.call('SADD', KEYS[3], organization)
end
return duplicates
"""

# KEYS: backlog hash, organizations set, the stream. ARGV: organization_id, settled event count, entry ids.
_SETTLE = """
redis.call('XDEL', KEYS[3], unpack(ARGV, 3))
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
if redis.call('XLEN', KEYS[3]) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[1])
end
return left
"""

# KEYS: the lock. ARGV: the holder's token, then the new time to live (extend) or nothing (release).
_EXTEND_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def inbox_namespace(database: str) -> str:
    """The inbox of a ClickHouse database: stores of several databases (parallel tests) never forward each other's
    events."""
    return f"events-inbox:{database}"


class EventInboxUnavailable(ServiceUnavailable):
    """Redis, where acknowledged events wait for ClickHouse, cannot be reached: nothing was acknowledged."""

    code = "event_inbox_unavailable"


@dataclass(frozen=True)
class OrganizationInbox:
    """An organization's state in the inbox, for operators."""

    organization_id: str
    waiting: int  # acknowledged, not yet in ClickHouse
    oldest_waiting_at: datetime | None  # when the oldest waiting batch was acknowledged
    acknowledged: int  # ever
    remembered_keys: int  # transaction keys held for deduplication (this window's bucket and the previous one)
    remembered_bytes: int  # their Redis memory, as MEMORY USAGE estimates it


@dataclass(frozen=True)
class InboxEntry:
    entry_id: str
    columns: Columns  # rows.EVENT_COLUMNS, column-wise

    @property
    def count(self) -> int:
        return len(self.columns[0])


def _entry_columns(fields: dict[bytes, bytes]) -> Columns:
    payload = fields.get(b"columns")
    if payload is not None:
        return orjson.loads(payload)
    # An entry appended before the inbox held columns: one QueuedEvent per event.
    values = PropertyValues()
    return rows_columns(queued_row(tuple(event), values) for event in orjson.loads(fields[b"events"]))


class RedisEventInbox:
    def __init__(self, client: redis.Redis, *, namespace: str, deduplication_seconds: int):
        self.client = client
        self.namespace = namespace
        self.deduplication_seconds = deduplication_seconds
        self._append = client.register_script(_APPEND)
        self._settle = client.register_script(_SETTLE)
        self._extend_lock = client.register_script(_EXTEND_LOCK)
        self._release_lock = client.register_script(_RELEASE_LOCK)
        self._durable_checked = False

    @classmethod
    def configured(cls, *, database: str) -> "RedisEventInbox":
        url = settings.EVENTS_INBOX_REDIS_URL
        if not url:
            raise ImproperlyConfigured(
                "the ClickHouse event store keeps its inbox in Redis: set EVENTS_INBOX_REDIS_URL (or REDIS_URL)"
            )
        return cls(
            redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5),
            namespace=inbox_namespace(database),
            deduplication_seconds=settings.EVENTS_DEDUPLICATION_WINDOW_SECONDS,
        )

    def append(self, events: Sequence[EventRecord]) -> tuple[int, ...]:
        """Appends all events, or none and returns the indexes of those seen within the deduplication window
        (also earlier in the same batch). Atomic under concurrent calls: one script decides."""
        if not events:
            return ()
        groups = _organization_groups(events)
        arguments: list = [self.deduplication_seconds, self._seen_prefix]
        for members in groups.values():
            columns = records_columns([events[index] for index in members])
            ids = "\0".join(chain.from_iterable(zip(columns[SUBSCRIPTION], columns[TRANSACTION], strict=True)))
            arguments += [columns[ORGANIZATION][0], len(members), orjson.dumps(columns), ids]
        keys = [
            self._backlog_key,
            self._appended_key,
            self._organizations_key,
            *(self._stream_key(str(organization_id)) for organization_id in groups),
        ]
        with self._unavailable_on_errors():
            self._require_durable()
            positions = self._append(keys=keys, args=arguments)
        # The script numbers events in group order; map back to the caller's order.
        in_group_order = [index for members in groups.values() for index in members]
        return tuple(sorted(in_group_order[int(position)] for position in positions))

    def backlog(self, organization_id: UUID | None = None) -> int:
        """Events waiting for the flusher (of one organization, or all)."""
        with self._unavailable_on_errors():
            if organization_id is not None:
                return int(self.client.hget(self._backlog_key, str(organization_id)) or 0)
            return sum(int(count) for count in self.client.hvals(self._backlog_key))

    def backlogs(self) -> dict[str, int]:
        """Events waiting for the flusher, per organization that has any."""
        with self._unavailable_on_errors():
            return {
                organization.decode(): int(count)
                for organization, count in self.client.hgetall(self._backlog_key).items()
                if int(count) > 0
            }

    def appended(self, organization_id: UUID) -> int:
        """Events ever acknowledged for the organization (an operator's and the benchmark's counter)."""
        with self._unavailable_on_errors():
            return int(self.client.hget(self._appended_key, str(organization_id)) or 0)

    def organizations_pending(self) -> list[str]:
        with self._unavailable_on_errors():
            return sorted(member.decode() for member in self.client.smembers(self._organizations_key))

    def has_pending(self, organization_id: str) -> bool:
        with self._unavailable_on_errors():
            return bool(self.client.xlen(self._stream_key(organization_id)))

    def last_entry_id(self, organization_id: str) -> str | None:
        with self._unavailable_on_errors():
            last = self.client.xrevrange(self._stream_key(organization_id), count=1)
        return last[0][0].decode() if last else None

    def read(self, organization_id: str, *, max_events: int, until: str = "+") -> list[InboxEntry]:
        """The oldest entries of the organization's stream up to the entry id `until`, about max_events events (at
        least one entry)."""
        entries: list[InboxEntry] = []
        total, after = 0, "-"
        with self._unavailable_on_errors():
            while total < max_events:
                page = self.client.xrange(self._stream_key(organization_id), min=after, max=until, count=100)
                for entry_id, fields in page:
                    entry = InboxEntry(entry_id=entry_id.decode(), columns=_entry_columns(fields))
                    entries.append(entry)
                    total += entry.count
                    if total >= max_events:
                        break
                if len(page) < 100:
                    break
                after = "(" + entries[-1].entry_id
        return entries

    def settle(self, organization_id: str, entries: Sequence[InboxEntry]) -> None:
        """Deletes entries whose events are in ClickHouse."""
        if not entries:
            return
        count = sum(entry.count for entry in entries)
        keys = [self._backlog_key, self._organizations_key, self._stream_key(organization_id)]
        with self._unavailable_on_errors():
            self._settle(keys=keys, args=[organization_id, count, *(entry.entry_id for entry in entries)])

    @contextlib.contextmanager
    def flush_lock(self, organization_id: str, *, wait: bool) -> Iterator["FlushLock | None"]:
        """The organization's flush lock, or None when another flusher holds it and wait is False. Waiting gives up
        (EventInboxUnavailable) once a holder could have died: its lock would have expired by then."""
        key, token = f"{self.namespace}:lock:{organization_id}", secrets.token_hex(16)
        deadline = time.monotonic() + LOCK_MILLISECONDS / 1000
        with self._unavailable_on_errors():
            while not self.client.set(key, token, nx=True, px=LOCK_MILLISECONDS):
                if not wait:
                    yield None
                    return
                if time.monotonic() > deadline:
                    raise EventInboxUnavailable(f"the flush of organization {organization_id} did not finish")
                time.sleep(LOCK_POLL_SECONDS)
        try:
            yield FlushLock(self, key, token)
        finally:
            with contextlib.suppress(redis.RedisError):
                self._release_lock(keys=[key], args=[token])

    def status(self) -> list[OrganizationInbox]:
        """Every organization that ever had events acknowledged, by id."""
        with self._unavailable_on_errors():
            acknowledged = {key.decode(): int(count) for key, count in self.client.hgetall(self._appended_key).items()}
            waiting = {key.decode(): int(count) for key, count in self.client.hgetall(self._backlog_key).items()}
            bucket = int(self.client.time()[0]) // self.deduplication_seconds
            organizations = sorted(acknowledged.keys() | waiting.keys())
            pipeline = self.client.pipeline(transaction=False)
            for organization in organizations:
                pipeline.xrange(self._stream_key(organization), count=1)
                for seen in (self._seen_key(organization, bucket), self._seen_key(organization, bucket - 1)):
                    pipeline.hlen(seen)
                    pipeline.memory_usage(seen)
            answers = iter(pipeline.execute())
        found = []
        for organization in organizations:
            oldest = next(answers)
            current_keys, current_bytes, previous_keys, previous_bytes = (next(answers) for _ in range(4))
            found.append(
                OrganizationInbox(
                    organization_id=organization,
                    waiting=max(waiting.get(organization, 0), 0),
                    oldest_waiting_at=_entry_time(oldest[0][0]) if oldest else None,
                    acknowledged=acknowledged.get(organization, 0),
                    remembered_keys=current_keys + previous_keys,
                    remembered_bytes=(current_bytes or 0) + (previous_bytes or 0),
                )
            )
        return found

    def clear(self) -> None:
        """Deletes everything of this namespace (tests, and a store's database being dropped)."""
        with self._unavailable_on_errors():
            keys = list(self.client.scan_iter(match=f"{self.namespace}:*", count=1000))
            if keys:
                self.client.delete(*keys)

    @property
    def _backlog_key(self) -> str:
        return f"{self.namespace}:backlog"

    @property
    def _appended_key(self) -> str:
        return f"{self.namespace}:appended"

    @property
    def _organizations_key(self) -> str:
        return f"{self.namespace}:organizations"

    def _stream_key(self, organization_id: str) -> str:
        return f"{self.namespace}:stream:{organization_id}"

    @property
    def _seen_prefix(self) -> str:
        return f"{self.namespace}:seen:"

    def _seen_key(self, organization_id: str, bucket: int) -> str:
        """The deduplication hash of a window-long bucket, named as _APPEND names it."""
        return f"{self._seen_prefix}{organization_id}:{bucket}"

    def _require_durable(self) -> None:
        if self._durable_checked:
            return
        persistence = self.client.info("persistence")
        if not persistence.get("aof_enabled"):
            raise EventInboxUnavailable(
                "the Redis holding the event inbox must persist every write before answering: run it with "
                "`appendonly yes` and `appendfsync always`"
            )
        self._durable_checked = True

    @contextlib.contextmanager
    def _unavailable_on_errors(self) -> Iterator[None]:
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise EventInboxUnavailable(f"the event inbox (Redis) is unreachable: {error}") from error


@dataclass(frozen=True)
class FlushLock:
    inbox: RedisEventInbox
    key: str
    token: str

    def extend(self) -> None:
        with self.inbox._unavailable_on_errors():
            if not self.inbox._extend_lock(keys=[self.key], args=[self.token, LOCK_MILLISECONDS]):
                raise EventInboxUnavailable("the flush lock expired: another flusher may have taken over")


def _organization_groups(events: Sequence[EventRecord]) -> dict[UUID, list[int]]:
    """The events' indexes per organization. An ingested batch shares one organization object, found without hashing
    a UUID per event (UUID.__hash__ is Python code)."""
    first = events[0].organization_id
    if all(event.organization_id is first for event in events):
        return {first: list(range(len(events)))}
    groups: dict[UUID, list[int]] = {}
    for index, event in enumerate(events):
        groups.setdefault(event.organization_id, []).append(index)
    return groups


def _entry_time(entry_id: bytes) -> datetime:
    """A stream entry id starts with the milliseconds of Redis's clock when it was added."""
    return datetime.fromtimestamp(int(entry_id.split(b"-")[0]) / 1000, tz=UTC)
