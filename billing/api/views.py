"""The base of every API view: authenticated by an organization's API key, every read scoped by it."""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.api.pagination import paginate
from billing.errors import NotFound, ValidationFailed
from billing.models import Organization


class OrganizationAPIView(APIView):
    # Names the object a detail route addresses, for Lago's `<resource>_not_found` code.
    resource_name: str | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL refuses NUL in text; such an identifier can name nothing, so it is simply not found.
        if any("\x00" in value for value in kwargs.values() if isinstance(value, str)):
            raise NotFound(self.resource_name) if self.resource_name else exceptions.NotFound()

    @property
    def organization(self) -> Organization:
        return self.request.user.organization

    def root_payload(self, root_key: str) -> dict:
        """The body's `{"<root_key>": {...}}` content, as Lago's SDKs send it."""
        data = self.request.data
        payload = data.get(root_key) if isinstance(data, dict) else None
        if not isinstance(payload, dict):
            raise ValidationFailed.single(root_key, "value_is_mandatory")
        return payload

    def validated(self, serializer_class, data, **context):
        serializer = serializer_class(data=data, context={"organization": self.organization, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def page_response(self, queryset, plural_key: str, output_serializer) -> Response:
        page = paginate(queryset, self.request.query_params)
        return Response({plural_key: output_serializer(page.items, many=True).data, "meta": page.meta})
