from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from invoicing.admin_panels import register_panels
        from invoicing.event_listeners import register_event_listeners

        register_panels()
        register_event_listeners()

        from invoicing.pdf.scheduling import register_pdf_listener

        register_pdf_listener()

        from invoicing.webhooks import register_invoice_webhooks

        register_invoice_webhooks()
