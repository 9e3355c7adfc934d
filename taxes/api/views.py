from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from taxes.api.serializers import TaxCreateInputSerializer, TaxSerializer, TaxUpdateInputSerializer
from taxes.selectors import tax_get, tax_list
from taxes.services import tax_create, tax_delete, tax_update

ROOT_KEY = "tax"
TAGS = ["taxes"]
TAX_ENVELOPE = enveloped(ROOT_KEY, TaxSerializer)


def render(tax) -> Response:
    return Response({ROOT_KEY: TaxSerializer(tax).data})


class TaxListCreateView(OrganizationAPIView):
    @extend_schema(
        operation_id="taxes_list",
        summary="List the organization's taxes, by name",
        parameters=PAGINATION_PARAMETERS,
        responses={200: listed("taxes", TaxSerializer), **errors(422)},
        tags=TAGS,
    )
    def get(self, request):
        return self.page_response(tax_list(organization=self.organization), "taxes", TaxSerializer)

    @extend_schema(
        operation_id="taxes_create",
        summary="Create a tax",
        request=enveloped(ROOT_KEY, TaxCreateInputSerializer, name="TaxCreateRequestEnvelope"),
        responses={200: TAX_ENVELOPE, **errors(400, 422)},
        tags=TAGS,
    )
    def post(self, request):
        data = self.validated(TaxCreateInputSerializer, self.root_payload(ROOT_KEY))
        tax = tax_create(organization=self.organization, **data)
        return render(tax_get(organization=self.organization, code=tax.code))


class TaxDetailView(OrganizationAPIView):
    resource_name = "tax"

    @extend_schema(
        operation_id="taxes_retrieve",
        summary="Get a tax by code",
        responses={200: TAX_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def get(self, request, code: str):
        return render(tax_get(organization=self.organization, code=code))

    @extend_schema(
        operation_id="taxes_update",
        summary="Change a tax (only the keys present)",
        request=enveloped(ROOT_KEY, TaxUpdateInputSerializer, name="TaxUpdateRequestEnvelope"),
        responses={200: TAX_ENVELOPE, **errors(400, 404, 422)},
        tags=TAGS,
    )
    def put(self, request, code: str):
        tax = tax_get(organization=self.organization, code=code)
        data = self.validated(TaxUpdateInputSerializer, self.root_payload(ROOT_KEY))
        tax = tax_update(tax=tax, **data)
        return render(tax_get(organization=self.organization, code=tax.code))

    @extend_schema(
        operation_id="taxes_destroy",
        summary="Delete a tax",
        description="Unlinks it from customers, plans and charges; invoices keep the taxes they applied.",
        responses={200: TAX_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def delete(self, request, code: str):
        tax = tax_get(organization=self.organization, code=code)
        response = render(tax)  # rendered first: a deleted row has lost its primary key
        tax_delete(tax=tax)
        return response
