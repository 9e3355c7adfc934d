from dataclasses import dataclass

from rest_framework import authentication, exceptions

from billing.models import Organization
from billing.selectors import api_key_authenticate


@dataclass(frozen=True)
class OrganizationPrincipal:
    """request.user for API calls: the organization whose key signed the request."""

    organization: Organization
    is_authenticated: bool = True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`, as Lago's SDKs send it."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not raw_key.strip():
            raise exceptions.AuthenticationFailed()
        api_key = api_key_authenticate(raw_key=raw_key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed()
        return OrganizationPrincipal(organization=api_key.organization), api_key

    def authenticate_header(self, request):
        return self.keyword
