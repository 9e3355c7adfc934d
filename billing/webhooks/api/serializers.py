from rest_framework import serializers

from billing.api.fields import StrictCharField
from billing.webhooks.types import WEBHOOK_TYPES, SignatureAlgorithm

_EVENT_TYPES_HELP = "Webhook types the endpoint receives; null or empty for all. One of: " + ", ".join(
    sorted(WEBHOOK_TYPES)
)


class WebhookEndpointUpdateInputSerializer(serializers.Serializer):
    """The request's shape; the URL, algorithm and types are checked by the services (422 with a field code)."""

    webhook_url = StrictCharField(required=False, help_text="An http or https URL.")
    signature_algo = StrictCharField(
        required=False, allow_null=True, help_text="Only `hmac` (Lago's `jwt` is not offered); defaults to hmac."
    )
    name = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    event_types = serializers.ListField(
        child=StrictCharField(), required=False, allow_null=True, help_text=_EVENT_TYPES_HELP
    )


class WebhookEndpointCreateInputSerializer(WebhookEndpointUpdateInputSerializer):
    webhook_url = StrictCharField(help_text="An http or https URL.")


class WebhookEndpointSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    lago_organization_id = serializers.UUIDField(source="organization_id")
    webhook_url = serializers.CharField()
    signature_algo = serializers.ChoiceField(choices=[algo.value for algo in SignatureAlgorithm])
    name = serializers.SerializerMethodField()
    event_types = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_name(self, endpoint) -> str | None:
        return endpoint.name or None

    def get_event_types(self, endpoint) -> list[str] | None:
        """Lago's null for an endpoint that takes every type."""
        return endpoint.event_types or None
