"""Invoices and fees in the admin: documents, so read-only; their state changes only through the services' actions.

Also adds "Bill now" to the subscriptions' admin, which cannot import invoicing itself (plans sits below it).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import timezone

from billing.admin_actions import apply_service
from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline, ServiceManagedAdmin
from billing.errors import DomainError
from billing.money import round_to_minor_unit
from invoicing import admin_failures  # noqa: F401  (registers BillingFailure's admin)
from invoicing.models import Fee, FeeAppliedTax, Invoice, InvoiceAppliedTax, InvoiceSubscription
from invoicing.pdf.admin import InvoicePdfAdminMixin
from invoicing.services.cycle import subscriptions_bill
from invoicing.services.invoices import invoice_finalize, invoice_refresh, invoice_void
from plans.admin.subscriptions import SubscriptionAdmin
from plans.models import Subscription


class ReadOnlyInline(OrganizationScopedInline, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InvoiceSubscriptionInline(ReadOnlyInline):
    model = InvoiceSubscription
    verbose_name_plural = "billing periods"
    fields = ("subscription", "reason", "billed_at", "from_datetime", "to_datetime", "charges_from_datetime",
              "charges_to_datetime")  # fmt: skip


class FeeInline(ReadOnlyInline):
    model = Fee
    fk_name = "invoice"
    show_change_link = True
    fields = ("fee_type", "item_code", "item_name", "units", "amount", "taxes_amount", "from_datetime", "to_datetime")


class InvoiceAppliedTaxInline(ReadOnlyInline):
    model = InvoiceAppliedTax
    verbose_name_plural = "applied taxes"
    fields = ("tax_code", "tax_name", "tax_rate", "fees_amount", "amount")


class FeeAppliedTaxInline(ReadOnlyInline):
    model = FeeAppliedTax
    verbose_name_plural = "applied taxes"
    fields = ("tax_code", "tax_name", "tax_rate", "amount")


INVOICE_FIELDS = (
    "id", "number", "sequential_id", "customer", "invoice_type", "status", "payment_status", "payment_overdue",
    "currency", "issuing_date", "payment_due_date", "net_payment_term", "finalize_at", "fees_amount",
    "coupons_amount", "sub_total_excluding_taxes_amount", "taxes_amount", "sub_total_including_taxes_amount",
    "total_amount", "metadata", "finalized_at", "voided_at", "created_at", "updated_at",
)  # fmt: skip


@admin.register(Invoice)
class InvoiceAdmin(InvoicePdfAdminMixin, ServiceManagedAdmin):
    list_display = ("number", "customer", "status", "payment_status", "total", "issuing_date")
    list_select_related = ("customer",)
    list_filter = ("status", "payment_status", "invoice_type", "currency", "issuing_date")
    search_fields = ("number", "customer__external_id", "customer__name", "customer__email")
    date_hierarchy = "issuing_date"
    fields = ("organization", *INVOICE_FIELDS, "pdf")
    readonly_fields = fields
    inlines = [InvoiceSubscriptionInline, FeeInline, InvoiceAppliedTaxInline]
    actions = ["finalize", "void", "refresh", "regenerate_pdfs"]

    @admin.display(description="Total", ordering="total_amount")
    def total(self, invoice: Invoice) -> str:
        return f"{round_to_minor_unit(invoice.total_amount, invoice.currency)} {invoice.currency}"

    @admin.action(description="Finalize", permissions=["change"])
    def finalize(self, request, queryset: QuerySet[Invoice]):
        self._apply(request, queryset, invoice_finalize, "Finalized")

    @admin.action(description="Void", permissions=["change"])
    def void(self, request, queryset: QuerySet[Invoice]):
        self._apply(request, queryset, invoice_void, "Voided")

    @admin.action(description="Refresh drafts", permissions=["change"])
    def refresh(self, request, queryset: QuerySet[Invoice]):
        self._apply(request, queryset, invoice_refresh, "Refreshed")

    def _apply(self, request, queryset, service, done: str) -> None:
        apply_service(self, request, queryset, service, keyword="invoice", done=done, noun="invoice")


@admin.register(Fee)
class FeeAdmin(OrganizationScopedAdmin):
    list_display = ("item_name", "fee_type", "invoice", "units", "amount", "currency", "created_at")
    list_select_related = ("invoice",)
    list_filter = ("fee_type", "currency", "pay_in_advance")
    search_fields = (
        "item_code", "item_name", "invoice__number", "subscription__external_id", "event_transaction_id",
    )  # fmt: skip
    readonly_fields = (
        "id", "invoice", "subscription", "fee_type", "charge", "charge_filter", "true_up_parent", "item_code",
        "item_name", "invoice_display_name", "charge_model", "filter_values", "grouped_by", "pay_in_advance",
        "event_transaction_id", "units",
        "events_count", "currency", "precise_amount", "amount", "precise_unit_amount", "taxes_rate", "taxes_amount",
        "from_datetime", "to_datetime", "amount_details", "created_at",
    )  # fmt: skip
    fields = ("organization", *readonly_fields)
    inlines = [FeeAppliedTaxInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description="Bill now")
def bill_now(modeladmin, request, queryset: QuerySet[Subscription]):
    """Bills every moment the selected subscriptions owe up to now, as the billing cycle would."""
    failures = []
    try:
        invoices = subscriptions_bill(
            subscription_ids=list(queryset.values_list("id", flat=True)), at=timezone.now(), on_failure=failures.append
        )
    except DomainError as exc:
        modeladmin.message_user(request, f"Billing failed: {exc}", messages.ERROR)
        return
    modeladmin.message_user(request, f"Issued {len(invoices)} invoice(s).", messages.SUCCESS)
    for failure in failures:
        modeladmin.message_user(
            request,
            f"Could not bill {failure.external_id} at {failure.moment_at:%Y-%m-%d %H:%M}: {failure.reason} "
            "(kept under Billing failures)",
            messages.ERROR,
        )


SubscriptionAdmin.actions = [*SubscriptionAdmin.actions, bill_now]
