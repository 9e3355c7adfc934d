from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from plans.api.billable_metrics.serializers import (
    BillableMetricCreateInputSerializer,
    BillableMetricSerializer,
    BillableMetricUpdateInputSerializer,
)
from plans.selectors.billable_metrics import billable_metric_get, billable_metric_list
from plans.services.billable_metrics import billable_metric_create, billable_metric_delete, billable_metric_update

ROOT_KEY = "billable_metric"
TAGS = ["billable_metrics"]
METRIC_ENVELOPE = enveloped(ROOT_KEY, BillableMetricSerializer)


def render(metric) -> Response:
    return Response({ROOT_KEY: BillableMetricSerializer(metric).data})


class BillableMetricListCreateView(OrganizationAPIView):
    @extend_schema(
        operation_id="billable_metrics_list",
        parameters=PAGINATION_PARAMETERS,
        responses={200: listed("billable_metrics", BillableMetricSerializer), **errors()},
        tags=TAGS,
    )
    def get(self, request):
        return self.page_response(
            billable_metric_list(organization=self.organization), "billable_metrics", BillableMetricSerializer
        )

    @extend_schema(
        operation_id="billable_metrics_create",
        request=enveloped(ROOT_KEY, BillableMetricCreateInputSerializer, name="BillableMetricCreateRequestEnvelope"),
        responses={200: METRIC_ENVELOPE, **errors(422)},
        tags=TAGS,
    )
    def post(self, request):
        data = self.validated(BillableMetricCreateInputSerializer, self.root_payload(ROOT_KEY))
        return render(billable_metric_create(organization=self.organization, **data))


class BillableMetricDetailView(OrganizationAPIView):
    resource_name = "billable_metric"

    @extend_schema(
        operation_id="billable_metrics_retrieve",
        responses={200: METRIC_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def get(self, request, code: str):
        return render(billable_metric_get(organization=self.organization, code=code))

    @extend_schema(
        operation_id="billable_metrics_update",
        request=enveloped(ROOT_KEY, BillableMetricUpdateInputSerializer, name="BillableMetricUpdateRequestEnvelope"),
        responses={200: METRIC_ENVELOPE, **errors(404, 422)},
        tags=TAGS,
    )
    def put(self, request, code: str):
        metric = billable_metric_get(organization=self.organization, code=code)
        data = self.validated(BillableMetricUpdateInputSerializer, self.root_payload(ROOT_KEY))
        return render(billable_metric_update(billable_metric=metric, data=data))

    @extend_schema(
        operation_id="billable_metrics_destroy",
        description="Refused (405 billable_metric_in_use) while a charge of any plan prices this metric.",
        responses={200: METRIC_ENVELOPE, **errors(404, 405)},
        tags=TAGS,
    )
    def delete(self, request, code: str):
        metric = billable_metric_get(organization=self.organization, code=code)
        response = render(metric)  # rendered first: a deleted row has lost its primary key
        billable_metric_delete(billable_metric=metric)
        return response
