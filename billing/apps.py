from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Platform: organizations and API keys"
    default_auto_field = "django.db.models.BigAutoField"
