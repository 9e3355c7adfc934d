"""`manage.py events_inbox [--flush] [--organization NAME]`: the ClickHouse store's inbox, per organization, or its
waiting events forwarded now with a progress bar."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from billing.errors import ServiceUnavailable
from billing.models import Organization
from metering.inbox import InboxRow, NoInbox, inbox_flush, inbox_status


class Command(BaseCommand):
    help = (
        "Show what the ClickHouse event store's inbox holds per organization: events waiting for ClickHouse, how long "
        "the oldest has waited, events acknowledged, and the transaction keys kept for deduplication. --flush "
        "forwards the waiting events now (the Celery beat task does so every few seconds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--flush", action="store_true", help="Forward the waiting events to ClickHouse now")
        parser.add_argument("--organization", help="Only this organization (by name)")

    def handle(self, *args, flush=False, organization=None, **options):
        try:
            rows = inbox_status()
            if organization is not None:
                rows = self._of_organization(rows, organization)
            if flush:
                self._flush(rows, quiet=options["verbosity"] == 0)
            else:
                self._show(rows)
        except NoInbox as error:
            raise CommandError(f"Nothing to show: {error}.") from error
        except ServiceUnavailable as error:
            raise CommandError(f"{error.code}: {error}") from error

    def _of_organization(self, rows: list[InboxRow], name: str) -> list[InboxRow]:
        ids = {str(id_) for id_ in Organization.objects.filter(name=name).values_list("id", flat=True)}
        if not ids:
            raise CommandError(f"No organization named {name!r}")
        return [row for row in rows if row.inbox.organization_id in ids]

    def _flush(self, rows: list[InboxRow], *, quiet: bool) -> None:
        waiting = [row for row in rows if row.inbox.waiting]
        with Progress(
            TextColumn("Forwarding"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[events]} events"),
            TimeElapsedColumn(),
            disable=quiet,
        ) as progress:
            task = progress.add_task("flush", total=len(waiting), events=0)
            forwarded = 0

            def on_organization(_organization_id: str, settled: int) -> None:
                nonlocal forwarded
                forwarded += settled
                progress.update(task, advance=1, events=forwarded)

            organization_ids = [row.inbox.organization_id for row in waiting]
            inbox_flush(organization_ids=organization_ids, on_organization=on_organization)
        self.stdout.write(f"Forwarded {forwarded} events of {len(waiting)} organizations to ClickHouse.")

    def _show(self, rows: list[InboxRow]) -> None:
        if not rows:
            self.stdout.write("The inbox is empty: no events acknowledged yet.")
            return
        now = timezone.now()
        table = Table("organization")
        for number in ("waiting", "oldest waiting", "acknowledged", "dedupe keys", "dedupe memory"):
            table.add_column(number, justify="right")
        for row in rows:
            inbox = row.inbox
            table.add_row(
                row.organization_name or f"{inbox.organization_id} (deleted)",
                f"{inbox.waiting:,}",
                _age(now, inbox.oldest_waiting_at),
                f"{inbox.acknowledged:,}",
                f"{inbox.remembered_keys:,}",
                _size(inbox.remembered_bytes),
            )
        Console(file=self.stdout, width=120).print(table)
        waiting = sum(row.inbox.waiting for row in rows)
        memory = sum(row.inbox.remembered_bytes for row in rows)
        self.stdout.write(f"{waiting:,} events waiting for ClickHouse; deduplication keys take {_size(memory)}.")


def _age(now: datetime, moment: datetime | None) -> str:
    if moment is None:
        return "-"
    seconds = max((now - moment).total_seconds(), 0)
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count:,.0f} {unit}"
        count /= 1024
    return f"{count:,.1f} GiB"
