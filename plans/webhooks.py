"""subscription.started, subscription.terminated and subscription.trial_ended: the subscription as the subscriptions
API renders it, sent through the platform's webhooks in the transaction that changed it."""

from billing.webhooks import webhook_emit, webhook_wanted
from billing.webhooks.types import WebhookType
from plans.api.subscriptions.serializers import SubscriptionSerializer
from plans.models import Subscription
from plans.selectors.subscriptions import subscriptions_with_details


def subscription_webhook_emit(*, subscription: Subscription, webhook_type: WebhookType) -> None:
    if not webhook_wanted(organization_id=subscription.organization_id, webhook_type=webhook_type):
        return  # rendering costs queries that an organization without such an endpoint should not pay
    rendered = subscriptions_with_details().get(pk=subscription.pk)
    webhook_emit(
        organization=rendered.customer.organization,
        webhook_type=webhook_type,
        object_type="subscription",
        payload=SubscriptionSerializer(rendered).data,
    )
