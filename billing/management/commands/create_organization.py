from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.services import organization_create


class Command(BaseCommand):
    help = "Create an organization and print its new API key alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args, name, currency, timezone, **options):
        try:
            organization, issued = organization_create(name=name, default_currency=currency, timezone_name=timezone)
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(messages) from exc
        self.stdout.write(f"Created organization {organization.name} ({organization.id}).")
        self.stdout.write("Its API key, shown once:")
        self.stdout.write(issued.raw_key)
