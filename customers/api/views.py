from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from customers.api.serializers import CustomerSerializer, CustomerUpsertInputSerializer
from customers.models import Customer
from customers.selectors import customer_get, customer_list
from customers.services import customer_delete, customer_upsert

TAGS = ["customers"]
CUSTOMER_ENVELOPE = enveloped("customer", CustomerSerializer)

LIST_PARAMETERS = [
    *PAGINATION_PARAMETERS,
    OpenApiParameter("countries[]", str, many=True, description="ISO 3166-1 alpha-2 codes; any of them."),
    OpenApiParameter("currencies[]", str, many=True, description="ISO 4217 codes; any of them."),
    OpenApiParameter("customer_type", str, enum=Customer.CustomerType.values),
    OpenApiParameter("search_term", str, description="Part of the name, first or last name, email or external_id."),
]


def _filter_params(query_params: QueryDict) -> QueryDict:
    """Lago's array parameters (`countries[]=FR&countries[]=DE`) under the filter names (`countries`)."""
    params = QueryDict(mutable=True)
    for name in query_params:
        params.setlist(name.removesuffix("[]"), query_params.getlist(name))
    return params


class CustomerListUpsertView(OrganizationAPIView):
    @extend_schema(
        request=enveloped("customer", CustomerUpsertInputSerializer, name="CustomerUpsertRequestEnvelope"),
        responses={200: CUSTOMER_ENVELOPE, **errors(400, 404, 413, 422)},
        description="An unknown code in `tax_codes` answers 404 tax_not_found and changes nothing.",
        operation_id="customers_upsert",
        summary="Create a customer or update the one with this external_id",
        tags=TAGS,
    )
    def post(self, request):
        arguments = self.validated(CustomerUpsertInputSerializer, self.root_payload("customer"))
        customer, _created = customer_upsert(organization=self.organization, **arguments)
        customer = customer_get(organization=self.organization, external_id=customer.external_id)
        return Response({"customer": CustomerSerializer(customer).data})

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: listed("customers", CustomerSerializer), **errors(422)},
        operation_id="customers_list",
        summary="List live customers, newest first",
        tags=TAGS,
    )
    def get(self, request):
        customers = customer_list(organization=self.organization, filters=_filter_params(request.query_params))
        return self.page_response(customers, "customers", CustomerSerializer)


class CustomerDetailView(OrganizationAPIView):
    resource_name = "customer"

    @extend_schema(
        responses={200: CUSTOMER_ENVELOPE, **errors(404)},
        operation_id="customers_retrieve",
        summary="Get a customer by external_id",
        tags=TAGS,
    )
    def get(self, request, external_id: str):
        customer = customer_get(organization=self.organization, external_id=external_id)
        return Response({"customer": CustomerSerializer(customer).data})

    @extend_schema(
        responses={200: CUSTOMER_ENVELOPE, **errors(404, 405)},
        operation_id="customers_destroy",
        summary="Delete a customer (its external_id can then be reused)",
        tags=TAGS,
    )
    def delete(self, request, external_id: str):
        customer = customer_get(organization=self.organization, external_id=external_id)
        return Response({"customer": CustomerSerializer(customer_delete(customer=customer)).data})
