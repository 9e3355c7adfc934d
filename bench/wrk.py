"""Drive wrk with bench/wrk/events_batch.lua and read back its JSON summary."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "events_batch.lua"


@dataclass(frozen=True)
class Load:
    threads: int
    connections: int
    seconds: float
    batch_size: int = 100


@dataclass(frozen=True)
class EventBatches:
    """What the Lua script puts in every batch, and the run tag that keeps its transaction_ids unique."""

    run_tag: str
    api_key: str
    external_subscription_id: str
    code: str
    timestamp: int


@dataclass(frozen=True)
class WrkResult:
    requests: int  # answered
    sent: int  # written, answered or not (the last ones may be in flight when wrk stops)
    seconds: float
    not_200: int  # answers whose status was not 200
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk not found: `make bench` installs the Debian package wrk")
    return path


def wrk_run(*, url: str, load: Load, batches: EventBatches) -> WrkResult:
    command = [
        wrk_binary(),
        f"--threads={load.threads}",
        f"--connections={load.connections}",
        f"--duration={max(1, round(load.seconds))}s",
        "--timeout=10s",
        f"--script={SCRIPT}",
        url,
        "--",
        batches.run_tag,
        batches.api_key,
        batches.external_subscription_id,
        batches.code,
        str(batches.timestamp),
        str(load.batch_size),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    summary_line = next((line for line in completed.stdout.splitlines() if line.startswith('{"wrk"')), None)
    if completed.returncode != 0 or summary_line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    summary = json.loads(summary_line)["wrk"]
    return WrkResult(
        requests=summary["requests"],
        sent=summary["sent"],
        seconds=summary["duration_us"] / 1e6,
        not_200=summary["not_200"],
        socket_errors={name: count for name, count in summary["errors"].items() if name != "status"},
        latency_ms={name: value / 1000 for name, value in summary["latency_us"].items()},
    )
