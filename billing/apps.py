from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Platform: organizations and API keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from billing.api import schema  # noqa: F401  (registers the OpenAPI extension for API-key auth)
