"""A minimal API used to test the platform layer (auth, envelopes, errors, pagination) in isolation."""

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response

from billing.api.fields import CurrencyField, DecimalStringField, StrictIntegerField, TimezoneField
from billing.api.views import OrganizationAPIView
from billing.errors import NotAllowed, NotFound, ServiceUnavailable
from billing.models import ApiKey


class ProbeInputSerializer(serializers.Serializer):
    count = StrictIntegerField(min_value=0)
    currency = CurrencyField(required=False)
    timezone = TimezoneField(required=False)
    amount = DecimalStringField(required=False)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)
    nested = serializers.ListField(child=serializers.DictField(child=StrictIntegerField()), required=False)


class ProbeView(OrganizationAPIView):
    def post(self, request):
        data = self.validated(ProbeInputSerializer, self.root_payload("probe"))
        return Response({"probe": {"organization": self.organization.name, "count": data["count"]}})

    def get(self, request):
        queryset = ApiKey.objects.filter(organization=self.organization).order_by("created_at")
        return self.page_response(queryset, "keys", KeySerializer)


class KeySerializer(serializers.Serializer):
    prefix = serializers.CharField()


class MissingView(OrganizationAPIView):
    def get(self, request):
        raise NotFound("widget")

    def delete(self, request):
        raise NotAllowed("widget_in_use")

    def post(self, request):
        raise ServiceUnavailable()


urlpatterns = [
    path("api/v1/probe", ProbeView.as_view()),
    path("api/v1/missing", MissingView.as_view()),
]
