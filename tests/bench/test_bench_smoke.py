"""The benchmark machinery at toy size: the wrk script's bodies, the baseline configuration end to end, the figures'
JSON shape. No speed is asserted: benchmarks are not tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.aggregation import summary_ms
from bench.cpu import LOAD_GENERATOR, OTHER, CpuMeter
from bench.servers import BenchServers
from bench.wrk import EventBatches, Load, wrk_run

TINY = Load(threads=1, connections=1, seconds=1, batch_size=100)


class RecordingHandler(BaseHTTPRequestHandler):
    bodies: list[bytes] = []
    status = 200

    def do_POST(self):
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _load_recording_server(status: int):
    """wrk's result against a server answering `status`; the bodies it received are in RecordingHandler.bodies."""
    RecordingHandler.bodies = []
    RecordingHandler.status = status
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        batches = EventBatches(
            run_tag="smoke", api_key="key", external_subscription_id="sub-1", code="calls", timestamp=1_700_000_000
        )
        return wrk_run(url=f"http://127.0.0.1:{server.server_port}/batch", load=TINY, batches=batches)
    finally:
        server.shutdown()
        server.server_close()


def test_the_wrk_script_posts_full_batches_with_unique_transaction_ids():
    result = _load_recording_server(200)

    events = [event for body in RecordingHandler.bodies for event in json.loads(body)["events"]]
    assert result.requests > 0 and result.not_200 == 0
    assert len(RecordingHandler.bodies) >= result.requests
    assert len(events) == 100 * len(RecordingHandler.bodies)
    assert len({event["transaction_id"] for event in events}) == len(events)
    assert {(event["external_subscription_id"], event["code"], event["timestamp"]) for event in events} == {
        ("sub-1", "calls", 1_700_000_000)
    }


def test_answers_other_than_200_are_counted_even_below_400():
    result = _load_recording_server(201)

    assert result.requests > 0 and result.not_200 == result.requests


def test_the_baseline_configuration_runs_end_to_end_and_reports_json(tmp_path):
    from bench.ingestion import ingestion_bench

    servers = BenchServers(
        workdir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'untouched.sqlite3'}",  # the baseline view reads no database
        clickhouse_url="",
        postgres_pid=None,
        clickhouse_pid=None,
    )
    figures = ingestion_bench(servers, load=TINY, warmup=TINY, configurations=("baseline",))

    baseline = json.loads(json.dumps(figures))["configurations"]["baseline"]
    assert baseline["problems"] == []
    assert baseline["requests"] > 0 and baseline["events_per_s"] > 0
    assert baseline["ratio_to_baseline"] == 1
    assert set(baseline["latency_ms"]) == {"mean", "p50", "p99", "max"}
    assert {"gunicorn", LOAD_GENERATOR, OTHER} <= set(baseline["cpu_cores"])
    assert set(figures["targets"]) == {"clickhouse_events_per_s", "postgresql_events_per_s", "ratio_to_baseline"}


@pytest.mark.parametrize(
    ("durations", "p50", "p95"),
    [
        ([10.0], 10.0, 10.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 3.0, 4.8),
        ([float(value) for value in range(1, 101)], 50.5, 95.05),
    ],
)
def test_latency_summary_uses_inclusive_percentiles(durations, p50, p95):
    summary = summary_ms(durations)

    assert (summary["runs"], summary["p50_ms"], summary["p95_ms"]) == (len(durations), p50, p95)
    assert summary["min_ms"] == min(durations) and summary["max_ms"] == max(durations)


def test_cpu_meter_names_every_component():
    with CpuMeter({"absent": None, "init": 1}) as meter:
        sum(range(100_000))

    assert set(meter.cores) == {"init", LOAD_GENERATOR, OTHER}
    assert all(cores >= 0 for cores in meter.cores.values())
