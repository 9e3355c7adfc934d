from django.contrib import admin, messages

from billing.admin_scoping import OrganizationScopedAdmin
from billing.models import ApiKey, Organization, OrganizationMember, Sequence
from billing.selectors import organization_for_user
from billing.services import api_key_issue, api_key_revoke
from billing.webhooks import admin as webhooks_admin  # noqa: F401  (registers the outbound webhook models)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ("prefix", "name", "expires_at", "last_used_at", "revoked_at", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # keys are issued by the "Issue a new API key" action, which shows the secret once


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "default_currency", "timezone", "invoice_grace_period", "net_payment_term", "created_at")
    search_fields = ("name",)
    list_filter = ("default_currency",)
    readonly_fields = ("id", "webhook_hmac_key", "created_at", "updated_at")
    inlines = [ApiKeyInline]
    actions = ["issue_api_key"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        organization = organization_for_user(user=request.user)
        return queryset.filter(pk=organization.pk) if organization else queryset

    def has_add_permission(self, request):
        return organization_for_user(user=request.user) is None and super().has_add_permission(request)

    @admin.action(description="Issue a new API key (shown once)")
    def issue_api_key(self, request, queryset):
        for organization in queryset:
            issued = api_key_issue(organization=organization, name=f"issued by {request.user}")
            messages.warning(request, f"New API key for {organization}, shown once: {issued.raw_key}")


@admin.register(ApiKey)
class ApiKeyAdmin(OrganizationScopedAdmin):
    list_display = ("prefix", "name", "organization", "expires_at", "last_used_at", "revoked_at", "created_at")
    search_fields = ("prefix", "name", "organization__name")
    list_filter = ("revoked_at",)
    fields = ("organization", "name", "expires_at", "prefix", "last_used_at", "revoked_at", "created_at")
    readonly_fields = ("prefix", "last_used_at", "revoked_at", "created_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = api_key_issue(organization=obj.organization, name=obj.name, expires_at=obj.expires_at)
        obj.pk = issued.api_key.pk
        obj.prefix = issued.api_key.prefix
        obj.key_digest = issued.api_key.key_digest
        obj.created_at = issued.api_key.created_at
        obj._state.adding = False
        messages.warning(request, f"New API key, shown once: {issued.raw_key}")

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        messages.success(request, f"Revoked {queryset.count()} key(s).")


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(OrganizationScopedAdmin):
    list_display = ("user", "organization", "created_at")
    search_fields = ("user__username", "organization__name")
    autocomplete_fields = ("user",)


@admin.register(Sequence)
class SequenceAdmin(OrganizationScopedAdmin):
    """Counters are advanced only under a row lock by the services that number things; the admin only shows them."""

    list_display = ("organization", "name", "value")
    search_fields = ("name", "organization__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
