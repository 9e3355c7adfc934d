from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "taxes"
    default_auto_field = "django.db.models.BigAutoField"
