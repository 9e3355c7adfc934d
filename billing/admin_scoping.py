"""Organization scoping for the admin: a staff user who belongs to an organization sees and edits only its rows."""

from django.contrib import admin

from billing.models import Organization
from billing.selectors import organization_for_user


class OrganizationScopedAdmin(admin.ModelAdmin):
    """For models whose rows belong to an organization through `organization_lookup` (a field path)."""

    organization_lookup = "organization"

    def confined_organization(self, request) -> Organization | None:
        return organization_for_user(user=request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        organization = self.confined_organization(request)
        if organization is not None:
            queryset = queryset.filter(**{self.organization_lookup: organization})
        return queryset

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self.confined_organization(request) is None and self.organization_lookup == "organization":
            filters.insert(0, "organization")
        return filters

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.organization_lookup == "organization" and "organization" not in fields:
            fields.append("organization")  # moving a row to another organization would orphan its references
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        organization = self.confined_organization(request)
        if organization is not None:
            related = db_field.related_model
            if related is Organization:
                kwargs["queryset"] = Organization.objects.filter(pk=organization.pk)
                kwargs["initial"] = organization.pk
            elif any(field.name == "organization" for field in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(organization=organization)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganizationScopedInline:
    """Mixin for inlines: related choices limited to the confined organization."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        organization = organization_for_user(user=request.user)
        if organization is not None:
            related = db_field.related_model
            if any(field.name == "organization" for field in related._meta.get_fields()):
                kwargs["queryset"] = related._default_manager.filter(organization=organization)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ServiceManagedAdmin(OrganizationScopedAdmin):
    """Rows that change only through the services: their pages are read-only, nothing is added or deleted here, and
    the change permission allows the list's actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
