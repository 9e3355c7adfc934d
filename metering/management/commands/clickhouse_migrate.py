from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metering.stores.clickhouse import ClickHouseEventStore


class Command(BaseCommand):
    help = (
        "Create or upgrade the ClickHouse event store's database, tables and rollups (idempotent: applies only the "
        "migrations not yet recorded in it). Uses CLICKHOUSE_URL, or --url."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="clickhouse://user:password@host:port/database")

    def handle(self, *args, **options):
        url = options["url"] or settings.CLICKHOUSE_URL
        if not url:
            raise CommandError("CLICKHOUSE_URL is not set (the SQL event store needs no migration here).")
        applied = ClickHouseEventStore.from_url(url).migrate()
        if applied:
            for name in applied:
                self.stdout.write(f"Applied {name}")
        else:
            self.stdout.write("No migrations to apply.")
