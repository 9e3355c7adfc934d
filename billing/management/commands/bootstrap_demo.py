import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from billing.models import Organization
from billing.services import organization_create

DEMO_ORGANIZATION = "Demo"
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "On first run only: create a demo organization and an admin user, and print their credentials."

    def handle(self, *args, **options):
        if Organization.objects.exists():
            self.stdout.write("Existing data found: keeping it (credentials were printed on the first run).")
            return
        _, issued = organization_create(name=DEMO_ORGANIZATION)
        password = secrets.token_urlsafe(12)
        user_model = get_user_model()
        if not user_model.objects.filter(username=ADMIN_USERNAME).exists():
            user_model.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", password)
        else:
            password = "(unchanged)"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "=" * 64,
                    " Admin:   http://127.0.0.1:8000/admin/",
                    f"          user {ADMIN_USERNAME}  password {password}",
                    " API:     http://127.0.0.1:8000/api/v1/   docs: http://127.0.0.1:8000/api/docs/",
                    f"          organization {DEMO_ORGANIZATION}  API key {issued.raw_key}",
                    "=" * 64,
                    "",
                ]
            )
        )
