from rest_framework.permissions import BasePermission

from billing.api.authentication import OrganizationPrincipal


class HasOrganization(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, OrganizationPrincipal)
