"""Admin of outbound webhooks: endpoints (changed through the services), and the read-only delivery log with its
attempts and a "Resend" action."""

from django import forms
from django.contrib import admin

from billing.admin_actions import apply_service
from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline
from billing.errors import ValidationFailed
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from billing.webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_fields_check,
    webhook_endpoint_update,
)
from billing.webhooks.types import WebhookType

_ENDPOINT_FIELDS = ("webhook_url", "signature_algo", "name", "event_types")
_CHECKED_FIELDS = ("webhook_url", "signature_algo", "event_types")


class WebhookEndpointForm(forms.ModelForm):
    webhook_url = forms.URLField(max_length=2048, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(webhook_type.value, webhook_type.value) for webhook_type in WebhookType],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None checked: every type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("organization", *_ENDPOINT_FIELDS)

    def clean(self):
        # The services' rules (http(s) URLs only, known types, hmac), shown on the fields instead of failing on save.
        cleaned = super().clean()
        try:
            webhook_endpoint_fields_check(**{field: cleaned.get(field) for field in _CHECKED_FIELDS})
        except ValidationFailed as refusal:
            for field, codes in refusal.details.items():
                self.add_error(field, ", ".join(codes))
        return cleaned


class WebhookAttemptInline(OrganizationScopedInline, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "response_code", "succeeded", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OrganizationScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("webhook_url", "name", "organization", "signature_algo", "event_types", "created_at")
    search_fields = ("webhook_url", "name", "organization__name")
    list_filter = ("signature_algo",)
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change):
        changes = {field: form.cleaned_data.get(field) for field in _ENDPOINT_FIELDS}
        if change:
            webhook_endpoint_update(endpoint=obj, **changes)
            return
        created = webhook_endpoint_create(organization=obj.organization, **changes)
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganizationScopedAdmin):
    list_display = (
        "webhook_type",
        "endpoint",
        "organization",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "webhook_type")
    search_fields = ("webhook_type", "unique_key", "endpoint__webhook_url", "organization__name")
    readonly_fields = (
        "organization",
        "endpoint",
        "webhook_type",
        "object_type",
        "unique_key",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    )
    fields = readonly_fields
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend (a new attempt now)")
    def resend(self, request, queryset):
        apply_service(
            self, request, queryset, webhook_delivery_resend, keyword="delivery", done="Resent", noun="delivery"
        )
