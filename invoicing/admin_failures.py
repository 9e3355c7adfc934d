"""Billing failures in the admin: what the billing runs could not bill, open until billed, with "Retry billing"."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.text import Truncator

from billing.admin_scoping import ServiceManagedAdmin
from billing.errors import DomainError
from invoicing.models import BillingFailure
from invoicing.services.retry import billing_failures_retry

REASON_PREVIEW = 80


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() in ("open", "resolved"):
            return queryset.filter(resolved_at__isnull=self.value() == "open")
        return queryset


@admin.register(BillingFailure)
class BillingFailureAdmin(ServiceManagedAdmin):
    list_display = ("subscription", "kind", "at", "event_transaction_id", "short_reason", "attempts", "last_failed_at",
                    "state")  # fmt: skip
    list_select_related = ("subscription",)
    list_filter = (StateFilter, "kind")
    search_fields = ("subscription__external_id", "subscription__customer__external_id", "event_transaction_id")
    date_hierarchy = "last_failed_at"
    fields = ("organization", "subscription", "kind", "at", "charge", "code", "event_transaction_id", "reason",
              "attempts", "first_failed_at", "last_failed_at", "resolved_at")  # fmt: skip
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description="Reason")
    def short_reason(self, failure: BillingFailure) -> str:
        return Truncator(failure.reason).chars(REASON_PREVIEW)

    @admin.display(description="State", ordering="resolved_at")
    def state(self, failure: BillingFailure) -> str:
        return "open" if failure.resolved_at is None else "resolved"

    @admin.action(description="Retry billing", permissions=["change"])
    def retry(self, request, queryset: QuerySet[BillingFailure]):
        try:
            outcome = billing_failures_retry(failures=queryset.select_related("organization", "subscription"))
        except DomainError as exc:
            self.message_user(request, f"Retry failed: {exc}", messages.ERROR)
            return
        if outcome.billed:
            self.message_user(request, f"Billed {outcome.billed} failure(s).", messages.SUCCESS)
        if outcome.still_failing:
            self.message_user(
                request,
                f"{outcome.still_failing} failure(s) still cannot be billed: correct the usage or the price first.",
                messages.WARNING,
            )
