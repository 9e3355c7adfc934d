"""Events are read-only here: they arrive through the API, and the admin shows why one may not be counted."""

from django.contrib import admin

from billing.admin_scoping import OrganizationScopedAdmin
from metering.diagnostics import Diagnostic
from metering.models import Event
from metering.stores.sql.events import carrying_diagnostic

NO_DIAGNOSTIC = "none"


class DiagnosticListFilter(admin.SimpleListFilter):
    title = "diagnostic"
    parameter_name = "diagnostic"

    def lookups(self, request, model_admin):
        return [(NO_DIAGNOSTIC, "None (counted)"), *((code.value, code.value) for code in Diagnostic)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == NO_DIAGNOSTIC:
            return queryset.filter(diagnostics="")
        if value in Diagnostic.__members__.values():
            return queryset.filter(carrying_diagnostic(value))
        return queryset


@admin.register(Event)
class EventAdmin(OrganizationScopedAdmin):
    list_display = ("code", "transaction_id", "external_subscription_id", "timestamp", "ingested_at", "diagnostics")
    list_filter = (DiagnosticListFilter, "code")
    search_fields = ("transaction_id", "external_subscription_id", "code")
    date_hierarchy = "timestamp"
    readonly_fields = [field.name for field in Event._meta.fields]
    show_full_result_count = False  # counting a large events table twice per page is slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
