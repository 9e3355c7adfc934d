"""Payments in the admin: the organization's Stripe account and dunning schedule (editable), payments with their
attempts and the processed provider events (read-only records), and "Mark as paid" on invoices."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet

from billing.admin_actions import apply_service
from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline
from invoicing.admin import InvoiceAdmin
from invoicing.models import Invoice
from payments.models import DunningSchedule, Payment, PaymentAttempt, ProviderEvent, StripeAccount
from payments.services.manual import invoice_mark_paid


class StripeAccountForm(forms.ModelForm):
    class Meta:
        model = StripeAccount
        fields = ("organization", "secret_key", "publishable_key", "webhook_secret")
        widgets = {
            "secret_key": forms.PasswordInput(render_value=True),
            "webhook_secret": forms.PasswordInput(render_value=True),
        }


@admin.register(StripeAccount)
class StripeAccountAdmin(OrganizationScopedAdmin):
    form = StripeAccountForm
    list_display = ("organization", "created_at", "updated_at")
    search_fields = ("organization__name",)
    list_filter = ("created_at",)


@admin.register(DunningSchedule)
class DunningScheduleAdmin(OrganizationScopedAdmin):
    list_display = ("organization", "retry_delays_days", "updated_at")
    search_fields = ("organization__name",)
    list_filter = ("updated_at",)


class ReadOnlyAdmin(OrganizationScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentAttemptInline(OrganizationScopedInline, admin.TabularInline):
    model = PaymentAttempt
    extra = 0
    can_delete = False
    fields = ("attempt_number", "status", "error_code", "error_message", "provider_payment_id", "idempotency_key",
              "started_at", "finished_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "provider", "status", "amount", "currency", "next_retry_at", "created_at")
    list_select_related = ("invoice",)
    list_filter = ("provider", "status", "currency")
    search_fields = ("invoice__number", "invoice__customer__external_id", "provider_payment_id", "provider_customer_id")
    fields = (
        "id", "organization", "invoice", "provider", "status", "amount", "currency", "provider_customer_id",
        "provider_payment_id", "payment_url", "first_declined_at", "next_retry_at", "provider_refund_id",
        "refunded_amount", "refunded_at", "created_at", "updated_at",
    )  # fmt: skip
    readonly_fields = fields
    inlines = [PaymentAttemptInline]


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "event_id", "provider", "received_at")
    list_filter = ("provider", "event_type")
    search_fields = ("event_id",)
    fields = ("organization", "provider", "event_id", "event_type", "received_at")
    readonly_fields = fields


@admin.action(description="Mark as paid", permissions=["change"])
def mark_paid(modeladmin, request, queryset: QuerySet[Invoice]):
    apply_service(
        modeladmin, request, queryset, invoice_mark_paid, keyword="invoice", done="Marked paid", noun="invoice"
    )


InvoiceAdmin.actions = [*InvoiceAdmin.actions, mark_paid]
