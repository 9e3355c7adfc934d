from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from invoicing.api.fees.serializers import FeeListQuerySerializer, FeeSerializer
from invoicing.api.fields import given_query_params
from invoicing.selectors.invoices import fee_get, fee_list

TAGS = ["fees"]


class FeeListView(OrganizationAPIView):
    @extend_schema(
        parameters=[*PAGINATION_PARAMETERS, FeeListQuerySerializer],
        responses={200: listed("fees", FeeSerializer), **errors(422)},
        operation_id="fees_list",
        summary="List the fees of every invoice, newest first",
        tags=TAGS,
    )
    def get(self, request):
        filters = self.validated(FeeListQuerySerializer, given_query_params(request.query_params))
        return self.page_response(fee_list(organization=self.organization, filters=filters), "fees", FeeSerializer)


class FeeDetailView(OrganizationAPIView):
    resource_name = "fee"

    @extend_schema(
        responses={200: enveloped("fee", FeeSerializer), **errors(404)},
        operation_id="fees_retrieve",
        summary="Get a fee by lago_id",
        tags=TAGS,
    )
    def get(self, request, lago_id: str):
        return Response({"fee": FeeSerializer(fee_get(organization=self.organization, lago_id=lago_id)).data})
