"""`manage.py bill [--at ISO8601] [--organization NAME]`: the billing cycle, synchronously, with a progress bar."""

from argparse import ArgumentTypeError
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from billing.models import Organization
from invoicing.services.cycle import BATCH_SIZE, billing_run


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"{value!r} is not an ISO 8601 instant (e.g. 2022-04-01T01:00:00Z)") from exc
    if timezone.is_naive(parsed):
        raise ArgumentTypeError(f"{value!r} needs a timezone (e.g. 2022-04-01T01:00:00Z or +02:00)")
    return parsed


class Command(BaseCommand):
    help = "Bill every subscription period that has ended (as of now, or --at), then finalize drafts past grace."

    def add_arguments(self, parser):
        parser.add_argument("--at", type=_instant, help="Bill as if it were this instant (ISO 8601 with timezone)")
        parser.add_argument("--organization", help="Only this organization (by name)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, at=None, organization=None, batch_size=BATCH_SIZE, **options):
        at = at or timezone.now()
        scope = None
        if organization:
            scope = Organization.objects.filter(name=organization).first()
            if scope is None:
                raise CommandError(f"No organization named {organization!r}")
        started = timezone.now()
        with Progress(
            TextColumn("Billing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[invoices]} invoices"),
            TimeElapsedColumn(),
            disable=options["verbosity"] == 0,
        ) as progress:
            task = progress.add_task("bill", total=None, invoices=0)
            invoices = 0

            def on_batch(subscriptions: int, issued: int) -> None:
                nonlocal invoices
                invoices += issued
                progress.update(task, advance=subscriptions, invoices=invoices)

            summary = billing_run(
                at=at,
                organization=scope,
                batch_size=batch_size,
                on_start=lambda total: progress.update(task, total=total),
                on_batch=on_batch,
            )
        seconds = (timezone.now() - started).total_seconds()
        totals = ", ".join(f"{amount} {currency}" for currency, amount in sorted(summary.amount_by_currency.items()))
        self.stdout.write(
            f"Billed as of {at.isoformat()}: {summary.subscriptions} subscriptions, {summary.invoices} invoices"
            f" ({totals or 'nothing'}), {summary.finalized_drafts} drafts finalized, in {seconds:.1f}s"
        )
        if summary.failures:
            for failure in summary.failures:
                self.stderr.write(
                    f"Not billed: subscription {failure.external_id} ({failure.subscription_id}), moment "
                    f"{failure.moment_at.isoformat()}: {failure.reason}"
                )
            raise CommandError(
                f"{len(summary.failures)} subscriptions could not be billed (listed above); the others were. "
                "They are kept under Billing failures in the admin, and billed by the next run (or its Retry billing) "
                "once their usage or prices are corrected."
            )
