"""OpenAPI helpers: Lago's envelopes, list pages and error bodies, so every operation documents what it answers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class PaginationMetaSerializer(serializers.Serializer):
    current_page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    prev_page = serializers.IntegerField(allow_null=True)
    total_pages = serializers.IntegerField()
    total_count = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    error = serializers.CharField()
    code = serializers.CharField(required=False)
    error_details = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON",
    401: "Missing or invalid API key",
    404: "Not found in this organization",
    405: "The object's state refuses this change",
    413: "Body over the size limit",
    422: "Validation errors, keyed by field",
}


def enveloped(root_key: str, serializer_class, name: str | None = None):
    """{"<root_key>": <serializer>} as a named component."""
    component = name or f"{serializer_class.__name__.removesuffix('Serializer')}Envelope"
    return inline_serializer(name=component, fields={root_key: serializer_class()})


def listed(plural_key: str, serializer_class, name: str | None = None):
    component = name or f"{serializer_class.__name__.removesuffix('Serializer')}Page"
    return inline_serializer(
        name=component,
        fields={plural_key: serializer_class(many=True), "meta": PaginationMetaSerializer()},
    )


def errors(*statuses: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in (401, *statuses)}


PAGINATION_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("per_page", int, description="Items per page (at most 100)."),
]


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "billing.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "API key"}
