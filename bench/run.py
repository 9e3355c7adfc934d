"""`make bench`: start PostgreSQL and ClickHouse (and Redis for Celery), run the ingestion, aggregation, billing and
invoice PDF benchmarks, print a summary and write var/bench/ingestion.json, aggregation.json, billing.json and pdf.json.

    python -m bench.run [--only ingestion|aggregation|billing|pdf] [--floors] [--seconds 12] [--events 1000000]
                        [--subscriptions 10000,100000] [--events-per-subscription 100]

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

from bench.servers import BASE_DIR, DEFAULT_CLICKHOUSE_WEB_WORKERS, DEFAULT_WEB_WORKERS, SETTINGS_MODULE, bench_servers
from bench.wrk import Load

RESULTS_DIR = BASE_DIR / "var" / "bench"


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["ingestion", "aggregation", "billing", "pdf"])
    parser.add_argument("--seconds", type=float, default=12, help="measured seconds of load per configuration")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before each measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WEB_WORKERS, help="gunicorn sync workers (baseline, SQL store)"
    )
    parser.add_argument(
        "--clickhouse-workers",
        type=int,
        default=DEFAULT_CLICKHOUSE_WEB_WORKERS,
        help="gunicorn sync workers with the ClickHouse store",
    )
    parser.add_argument(
        "--floors",
        action="store_true",
        help="also measure the ingestion floors (bench/floors.py): what is left of the baseline before any store",
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events of the aggregated subscription")
    parser.add_argument("--runs", type=int, default=30, help="timed aggregate() calls per aggregation type")
    parser.add_argument(
        "--subscriptions",
        type=_sizes,
        default=[10_000, 100_000],
        help="billing run sizes, comma-separated (e.g. 1000 for a quick run)",
    )
    parser.add_argument("--events-per-subscription", type=int, default=100, help="events of each billed subscription")
    parser.add_argument("--usage-events", type=int, default=1_000_000, help="events of the current-usage subscription")
    parser.add_argument("--usage-runs", type=int, default=30, help="timed current_usage() calls, cold and warm each")
    return parser.parse_args(argv)


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(size) for size in value.split(",")]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a comma-separated list of integers") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sorted(sizes)


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
    from bench.report import print_aggregation, print_billing, print_ingestion

    problems: list[str] = []
    # Redis: the ClickHouse store's event inbox, the cache and Celery's broker.
    with_redis = options.only in (None, "billing", "ingestion", "aggregation")
    with bench_servers(
        workdir, web_workers=options.workers, clickhouse_web_workers=options.clickhouse_workers, with_redis=with_redis
    ) as servers:
        os.environ.update(
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, DATABASE_URL=servers.database_url, CLICKHOUSE_URL="", DEBUG="false"
        )
        if servers.inbox_url is not None:
            os.environ["EVENTS_INBOX_REDIS_URL"] = servers.inbox_url
        django.setup()
        # The flushes this process makes log a line per batch; the summary tables are what matters here.
        logging.getLogger("metering").setLevel(logging.WARNING)
        # Models and stores import only once Django is set up.
        from bench.aggregation import Timing, aggregation_bench
        from bench.billing import BillingOptions, billing_bench
        from bench.ingestion import CONFIGURATIONS, FLOOR_CONFIGURATIONS, ingestion_bench
        from bench.insert_cost import clickhouse_insert_cost

        if options.only in (None, "ingestion"):
            load = Load(threads=options.threads, connections=options.connections, seconds=options.seconds)
            warmup = Load(threads=options.threads, connections=options.connections, seconds=options.warmup)
            configurations = (
                (CONFIGURATIONS[0], *FLOOR_CONFIGURATIONS, *CONFIGURATIONS[1:]) if options.floors else CONFIGURATIONS
            )
            figures = {
                **machine(),
                **ingestion_bench(servers, load=load, warmup=warmup, configurations=configurations),
            }
            if options.floors:
                figures["clickhouse_insert_alone"] = clickhouse_insert_cost(servers)
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
        if options.only in (None, "billing"):
            billing = BillingOptions(
                sizes=options.subscriptions,
                events_per_subscription=options.events_per_subscription,
                usage_events=options.usage_events,
                usage_runs=options.usage_runs,
            )
            figures = {**machine(), **billing_bench(servers, billing)}
            path = write("billing", figures)
            print_billing(figures, path)
            problems += [f"billing: {problem}" for problem in figures["problems"]]
        if options.only in (None, "pdf"):
            from bench.pdf import PdfOptions, pdf_bench
            from bench.report import print_pdf

            figures = {**machine(), **pdf_bench(workdir, PdfOptions(seconds=options.seconds))}
            path = write("pdf", figures)
            print_pdf(figures, path)
            problems += [f"pdf: {problem}" for problem in figures["problems"]]
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
