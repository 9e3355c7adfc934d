import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from billing.models import Organization
from billing.services import organization_create

DEMO_ORGANIZATION = "Demo"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = (
        "Create the demo organization and an admin superuser unless the demo organization exists, and print the admin "
        "login and the organization's API key (shown on that first run only)."
    )

    def handle(self, *args, **options):
        if Organization.objects.filter(name=DEMO_ORGANIZATION).exists():
            self.stdout.write(
                f"Organization {DEMO_ORGANIZATION!r} exists: nothing created (its API key and the admin password were "
                "printed on the first run; `manage.py create_organization NAME` issues a new organization and key, "
                f"`manage.py changepassword {ADMIN_USERNAME}` resets the password)."
            )
            return
        with transaction.atomic():
            _, issued = organization_create(name=DEMO_ORGANIZATION)
            password = self.create_admin()
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "=" * 72,
                    " Admin    http://127.0.0.1:8000/admin/",
                    f"          user {ADMIN_USERNAME}   password {password}",
                    " API      http://127.0.0.1:8000/api/v1/   Swagger UI http://127.0.0.1:8000/api/docs/",
                    f"          organization {DEMO_ORGANIZATION}   API key {issued.raw_key}",
                    " Shown once: note them now.",
                    "=" * 72,
                    "",
                ]
            )
        )

    @staticmethod
    def create_admin() -> str:
        """The new superuser's password, or a note when a user of that name already exists and is left as it is."""
        user_model = get_user_model()
        if user_model.objects.filter(username=ADMIN_USERNAME).exists():
            return "(unchanged: the user existed)"
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(ADMIN_USERNAME, ADMIN_EMAIL, password)
        return password
