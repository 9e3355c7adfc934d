from django.contrib import admin
from django.db.models import QuerySet

from billing.admin_actions import apply_service
from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline
from customers.admin import CustomerAdmin
from customers.models import Customer
from plans.models import Subscription
from plans.services.subscriptions import subscription_cancel, subscription_terminate

SUBSCRIPTION_FIELDS = (
    "external_id", "name", "customer", "plan", "status", "billing_time", "previous_subscription",
    "subscription_at", "started_at", "trial_ended_at", "ending_at", "terminated_at", "canceled_at",
    "created_at", "updated_at",
)  # fmt: skip


@admin.register(Subscription)
class SubscriptionAdmin(OrganizationScopedAdmin):
    """Read-only: subscriptions change through the API's lifecycle, or through the actions below."""

    list_display = (
        "external_id", "customer", "plan", "status", "billing_time", "subscription_at", "started_at", "ending_at",
        "terminated_at",
    )  # fmt: skip
    list_select_related = ("customer", "plan")
    search_fields = ("external_id", "customer__external_id")
    list_filter = ("status", "billing_time", ("plan", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "created_at"
    fields = ("organization", "id", *SUBSCRIPTION_FIELDS)
    readonly_fields = fields
    actions = ["terminate", "cancel_pending"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Terminate")
    def terminate(self, request, queryset: QuerySet[Subscription]):
        self._apply(request, queryset, subscription_terminate, "Terminated")

    @admin.action(description="Cancel pending")
    def cancel_pending(self, request, queryset: QuerySet[Subscription]):
        self._apply(request, queryset, subscription_cancel, "Canceled")

    def _apply(self, request, queryset, service, done: str) -> None:
        apply_service(self, request, queryset, service, keyword="subscription", done=done, noun="subscription")


class SubscriptionInline(OrganizationScopedInline, admin.TabularInline):
    model = Subscription
    fk_name = "customer"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("external_id", "plan", "status", "billing_time", "subscription_at", "started_at", "ending_at",
              "terminated_at", "canceled_at")  # fmt: skip
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CustomerWithSubscriptionsAdmin(CustomerAdmin):
    """The customers app's admin, with the customer's subscriptions below (customers cannot import plans)."""

    inlines = [*CustomerAdmin.inlines, SubscriptionInline]


if admin.site.is_registered(Customer):
    admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithSubscriptionsAdmin)
