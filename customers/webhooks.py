"""customer.created and customer.updated: the customer as the customers API renders it, sent through the platform's
webhooks in the transaction that changed it."""

from billing.webhooks import webhook_emit, webhook_wanted
from billing.webhooks.types import WebhookType
from customers.models import Customer
from customers.selectors import customer_get


def customer_webhook_emit(*, customer: Customer, created: bool) -> None:
    webhook_type = WebhookType.CUSTOMER_CREATED if created else WebhookType.CUSTOMER_UPDATED
    if not webhook_wanted(organization_id=customer.organization_id, webhook_type=webhook_type):
        return  # rendering costs queries that an organization without such an endpoint should not pay
    from customers.api.serializers import CustomerSerializer  # it imports the services, which import this module

    rendered = customer_get(organization=customer.organization, external_id=customer.external_id)
    webhook_emit(
        organization=customer.organization,
        webhook_type=webhook_type,
        object_type="customer",
        payload=CustomerSerializer(rendered).data,
    )
