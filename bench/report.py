"""The summary tables `make bench` prints."""

from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console(width=160)


def _verdict(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "-"
    met = value <= target if at_most else value >= target
    return "[green]met[/green]" if met else "[red]missed[/red]"


def _rate(events_per_s: float | None) -> str:
    return "-" if events_per_s is None else f"{events_per_s:,.0f}"


def print_ingestion(figures: dict, path: Path) -> None:
    targets = figures["targets"]
    configurations = figures["configurations"]
    load = figures["load"]
    table = Table(
        title=f"Ingestion: POST /api/v1/events/batch, {load['batch_size']} events per request, "
        f"{load['connections']} connections, {load['seconds']:.0f} s ({figures['server']})"
    )
    columns = (
        "configuration",
        "events/s",
        "vs baseline",
        "target",
        "verdict",
        "idle projection",
        "p50 / p99 ms",
        "problems",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("configuration", "problems") else "right")
    ratio_target = targets["ratio_to_baseline"]
    rows = [
        ("baseline", "baseline (parse only)", None),
        ("floor_authenticated", "floor: authenticated, decoded", None),
        ("floor_one_write", "floor: + one Redis write per batch", None),
        ("postgresql", "PostgreSQL (SQL store)", targets["postgresql_events_per_s"]),
        ("clickhouse", "ClickHouse store: HTTP accepted", targets["clickhouse_events_per_s"]),
    ]
    for name, label, target in rows:
        if name not in configurations:
            continue
        result = configurations[name]
        ratio = result["ratio_to_baseline"]
        verdicts = [] if target is None else [_verdict(result["events_per_s"], target), _verdict(ratio, ratio_target)]
        table.add_row(
            label,
            f"{result['events_per_s']:,.0f}",
            f"{ratio:.2f}" if ratio is not None else "-",
            "-" if target is None else f">= {target:,} and >= {ratio_target} x",
            " / ".join(verdicts) or "-",
            _rate(result["projected_idle_events_per_s"]),
            f"{result['latency_ms']['p50']:.1f} / {result['latency_ms']['p99']:.1f}",
            "; ".join(result["problems"]) or "none",
        )
    clickhouse = configurations.get("clickhouse", {}).get("clickhouse")
    if clickhouse:
        sustained = clickhouse["sustained_events_per_s"]
        baseline = configurations.get("baseline", {}).get("events_per_s")
        table.add_row(
            "ClickHouse store: into ClickHouse",
            f"{sustained:,.0f}",
            f"{sustained / baseline:.2f}" if baseline else "-",
            f">= {targets['clickhouse_events_per_s']:,}",
            _verdict(sustained, targets["clickhouse_events_per_s"]),
            _rate(clickhouse["projected_idle_sustained_events_per_s"]),
            "-",
            f"during load {clickhouse['flushed_during_load_events_per_s']:,.0f}/s, backlog "
            f"{clickhouse['backlog_when_load_ended']:,} drained in {clickhouse['drain_seconds_after_load']:.1f} s "
            f"({_rate(clickhouse['drain_events_per_s'])}/s)",
        )
    console.print(table)
    console.print(
        "idle projection: events/s scaled as if every core went to the benchmark's own processes (the rest of the "
        "machine's load is 'other processes' below)"
    )
    for name, result in configurations.items():
        split = ", ".join(f"{component} {cores:.2f}" for component, cores in result["cpu_cores"].items())
        console.print(f"CPU cores used during {name}: {split}")
    if "clickhouse_insert_alone" in figures:
        _print_insert_cost(figures["clickhouse_insert_alone"], figures["configurations"].get("baseline"))
    console.print(f"written to {path}")


def _print_insert_cost(insert: dict, baseline: dict | None) -> None:
    """The insert into ClickHouse alone, and what it would take of the machine at half the baseline's rate."""
    table = Table(title="The insert into ClickHouse alone (the flusher's rows; --floors)")
    for column in ("rows per insert", "server us/event", "clickhouse-driver us/event", "cores at 0.5 x baseline"):
        table.add_column(column, justify="right")
    half_rate = baseline["events_per_s"] / 2 if baseline else None
    for size in insert["sizes"]:
        per_event = size["server_us_per_event"] + size["client_us_per_event"]
        table.add_row(
            f"{size['rows_per_insert']:,}",
            f"{size['server_us_per_event']:.1f}",
            f"{size['client_us_per_event']:.1f}",
            "-" if half_rate is None else f"{per_event * half_rate / 1e6:.2f}",
        )
    console.print(table)


def print_aggregation(figures: dict, path: Path) -> None:
    target = figures["p95_target_ms"]
    table = Table(title=f"Aggregation of one subscription's period ({figures['subscription']})")
    for column in ("store", "aggregation", "events", "runs", "p50 ms", "p95 ms", "target", "units", "events_count"):
        table.add_column(column, justify="left" if column in ("store", "aggregation") else "right")
    for store, by_type in figures["stores"].items():
        for label, timing in by_type.items():
            table.add_row(
                store,
                label,
                f"{timing['events']:,}",
                str(timing["runs"]),
                f"{timing['p50_ms']:.1f}",
                f"{timing['p95_ms']:.1f}",
                f"<= {target} ms: {_verdict(timing['p95_ms'], target, at_most=True)}" if store == "clickhouse" else "-",
                timing["units"],
                f"{timing['events_count']:,}",
            )
    console.print(table)
    if known := figures.get("flusher_known_keys"):
        console.print(
            f"flusher's known-key check, {known['batch_events']:,} new events of the subscription against its "
            f"{known['history_events']:,}: p50 {known['p50_ms']:.1f} ms, p95 {known['p95_ms']:.1f} ms "
            f"({known['runs']} runs, {known['found']} known)"
        )
    load = figures["load"]
    console.print(
        f"loaded {load['events']:,} events into ClickHouse in {load['clickhouse_seconds']} s "
        f"({load['clickhouse_events_per_s']:,} events/s) and into PostgreSQL in {load['inbox_copy_seconds']} s, then "
        f"{load['settling']}; "
        f"problems: {'; '.join(figures['problems']) or 'none'}; written to {path}"
    )


def print_billing(figures: dict, path: Path) -> None:
    targets = figures["targets"]
    table = Table(
        title=f"Billing runs: {figures['events_per_subscription']} events per subscription, 3 charges, ClickHouse "
        f"store; Celery worker concurrency {figures['worker_concurrency']}"
    )
    columns = (
        "subscriptions",
        "path",
        "invoices",
        "seconds",
        "invoices/s",
        "target",
        "ms/invoice",
        "CPU ms/invoice",
        "CPU cores",
        "problems",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("path", "CPU cores", "problems") else "right")
    for size, run in figures["runs"].items():
        for path_name in ("bill", "celery"):
            result = run[path_name]
            table.add_row(
                f"{int(size):,}",
                path_name,
                f"{result['invoices']:,}",
                f"{result['seconds']:.1f}",
                f"{result['invoices_per_s']:,.0f}",
                f">= {targets['invoices_per_s']}: {_verdict(result['invoices_per_s'], targets['invoices_per_s'])}",
                "-" if result["ms_per_invoice"] is None else f"{result['ms_per_invoice']:.2f}",
                f"{sum(result['cpu_ms_per_invoice'].values()):.2f}",
                ", ".join(f"{name} {cores:.2f}" for name, cores in result["cpu_cores"].items()),
                "; ".join(result["problems"]) or "none",
            )
    console.print(table)
    console.print(
        "CPU ms/invoice: CPU time of this process, PostgreSQL, ClickHouse and the worker per invoice (the rest of a "
        "shared machine's load, 'other processes', left out)"
    )
    ratio = figures["cost_ratio"]
    if ratio:
        smallest, largest = ratio["sizes"]
        verdicts = ", ".join(
            f"{path_name} x{ratio[path_name]} "
            f"({_verdict(ratio[path_name], targets['cost_ratio_at_most'], at_most=True)})"
            for path_name in ("bill", "celery")
            if ratio[path_name] is not None
        )
        console.print(
            f"cost per invoice, {largest:,} vs {smallest:,} subscriptions (flat: <= {targets['cost_ratio_at_most']}): "
            f"{verdicts}"
        )
    for size, run in figures["runs"].items():
        load = run["load"]
        console.print(
            f"{int(size):,} subscriptions: created in {load['subscriptions_created_seconds']} s; {load['events']:,} "
            f"events built in {load['rows_built_seconds']} s, inserted into ClickHouse in "
            f"{load['clickhouse_insert_seconds']} s, merges settled in {load['merges_waited_seconds']} s"
        )
    usage = figures["current_usage"]
    usage_table = Table(
        title=f"Current usage of one subscription with {usage['events']:,} events in its period ({usage['cache']})"
    )
    for column in ("calls", "runs", "p50 ms", "p95 ms", "max ms", "target"):
        usage_table.add_column(column, justify="left" if column == "calls" else "right")
    target = targets["current_usage_p95_ms"]
    for mode, label in (("cold", "cold: cache cleared, computed"), ("warm", "warm: cached answer")):
        timing = usage[mode]
        usage_table.add_row(
            label,
            str(timing["runs"]),
            f"{timing['p50_ms']:.1f}",
            f"{timing['p95_ms']:.1f}",
            f"{timing['max_ms']:.1f}",
            f"<= {target} ms: {_verdict(timing['p95_ms'], target, at_most=True)}",
        )
    console.print(usage_table)
    console.print(
        f"missed targets: {'; '.join(figures['missed_targets']) or 'none'}; "
        f"problems: {'; '.join(figures['problems']) or 'none'}; written to {path}"
    )


def print_pdf(figures: dict, path: Path) -> None:
    invoice = figures["invoice"]
    table = Table(
        title=f"Invoice PDFs: a {invoice['lines']}-line invoice ({invoice['currency']}, {invoice['locale']}, "
        f"{invoice['pdf_bytes']:,} bytes) read, rendered by WeasyPrint and stored, {figures['seconds']:.0f} s"
    )
    columns = ("processes", "invoices", "invoices/s", "ms per invoice in a process", "CPU ms per invoice",
               "idle projection /s", "problems")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "problems" else "right")
    for result in (figures["one_process"], figures["one_process_per_core"]):
        table.add_row(
            str(result["processes"]),
            f"{result['invoices']:,}",
            f"{result['invoices_per_s']:,.1f}",
            *(
                "-" if result[name] is None else f"{result[name]:,.1f}"
                for name in ("ms_per_invoice_per_process", "cpu_ms_per_invoice", "projected_idle_invoices_per_s")
            ),
            "; ".join(result["problems"]) or "none",
        )
    console.print(table)
    split = ", ".join(f"{phase} {ms['p50']:.1f} ms" for phase, ms in figures["phases_ms"].items())
    console.print(
        f"one invoice, p50 by phase: {split}; idle projection: invoices/s if the workers had their cores to "
        f"themselves (from their CPU time); written to {path}"
    )
