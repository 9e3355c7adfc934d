"""`make bench`: start PostgreSQL and ClickHouse, run the ingestion and aggregation benchmarks, print a summary and
write var/bench/ingestion.json and var/bench/aggregation.json.

    python -m bench.run [--only ingestion|aggregation] [--seconds 12] [--events 1000000]

Exits 1 when a run went wrong (a non-2xx answer, stored counts that do not match, stores that disagree); a missed
speed target is reported, not an error: these are measurements, not tests.
"""

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import django

from bench.servers import BASE_DIR, DEFAULT_WEB_WORKERS, SETTINGS_MODULE, bench_servers
from bench.wrk import Load

RESULTS_DIR = BASE_DIR / "var" / "bench"


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["ingestion", "aggregation"])
    parser.add_argument("--seconds", type=float, default=12, help="measured seconds of load per configuration")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before each measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--workers", type=int, default=DEFAULT_WEB_WORKERS, help="gunicorn sync workers")
    parser.add_argument("--events", type=int, default=1_000_000, help="events of the aggregated subscription")
    parser.add_argument("--runs", type=int, default=30, help="timed aggregate() calls per aggregation type")
    return parser.parse_args(argv)


def machine() -> dict:
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }


def write(name: str, figures: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path


def run(options: argparse.Namespace, workdir: Path) -> list[str]:
    """Runs the benchmarks; returns what went wrong."""
    from bench.report import print_aggregation, print_ingestion

    problems: list[str] = []
    with bench_servers(workdir, web_workers=options.workers) as servers:
        os.environ.update(
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, DATABASE_URL=servers.database_url, CLICKHOUSE_URL="", DEBUG="false"
        )
        django.setup()
        # The flushes this process makes log a line per batch; the summary tables are what matters here.
        logging.getLogger("metering").setLevel(logging.WARNING)
        # Models and stores import only once Django is set up.
        from bench.aggregation import Timing, aggregation_bench
        from bench.ingestion import ingestion_bench

        if options.only in (None, "ingestion"):
            load = Load(threads=options.threads, connections=options.connections, seconds=options.seconds)
            warmup = Load(threads=options.threads, connections=options.connections, seconds=options.warmup)
            figures = {**machine(), **ingestion_bench(servers, load=load, warmup=warmup)}
            path = write("ingestion", figures)
            print_ingestion(figures, path)
            problems += [
                f"ingestion {name}: {problem}"
                for name, result in figures["configurations"].items()
                for problem in result["problems"]
            ]
        if options.only in (None, "aggregation"):
            timings = {
                "clickhouse": Timing(runs=options.runs, warmups=3, budget_seconds=30),
                # No warm-up (the rows were just written, so they are cached) and a budget: the SQL store streams
                # unique_count's events through Python, tens of seconds per call at a million events.
                "postgresql": Timing(runs=options.runs, warmups=0, budget_seconds=30),
            }
            figures = {
                **machine(),
                **aggregation_bench(servers, events=options.events, batch_size=50_000, timings=timings),
            }
            path = write("aggregation", figures)
            print_aggregation(figures, path)
            problems += [f"aggregation: {problem}" for problem in figures["problems"]]
    return problems


def main(argv: list[str]) -> int:
    options = arguments(argv)
    # A SIGTERM (Ctrl-C of make, a CI timeout) must unwind through the context managers that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="billing-bench-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)  # PostgreSQL runs as the postgres user when we are root
        problems = run(options, workdir)
    for problem in problems:
        print(f"BENCH FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
