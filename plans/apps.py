from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from customers.deletion_hooks import register_customer_deletion_hook
        from plans.services.subscriptions import subscriptions_end_for_customer

        # customers cannot import plans, so the subscriptions of a deleted customer are ended from here.
        register_customer_deletion_hook(subscriptions_end_for_customer)
