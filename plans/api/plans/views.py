from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from plans.api.plans.serializers import PlanCreateInputSerializer, PlanSerializer, PlanUpdateInputSerializer
from plans.selectors.plans import plan_get, plan_list
from plans.services.plans import plan_create, plan_delete, plan_update

ROOT_KEY = "plan"
TAGS = ["plans"]
PLAN_ENVELOPE = enveloped(ROOT_KEY, PlanSerializer)


def render(plan) -> Response:
    return Response({ROOT_KEY: PlanSerializer(plan).data})


class PlanListCreateView(OrganizationAPIView):
    @extend_schema(
        operation_id="plans_list",
        parameters=PAGINATION_PARAMETERS,
        responses={200: listed("plans", PlanSerializer), **errors()},
        tags=TAGS,
    )
    def get(self, request):
        return self.page_response(plan_list(organization=self.organization), "plans", PlanSerializer)

    @extend_schema(
        operation_id="plans_create",
        request=enveloped(ROOT_KEY, PlanCreateInputSerializer, name="PlanCreateRequestEnvelope"),
        responses={200: PLAN_ENVELOPE, **errors(422)},
        tags=TAGS,
    )
    def post(self, request):
        data = self.validated(PlanCreateInputSerializer, self.root_payload(ROOT_KEY))
        plan = plan_create(organization=self.organization, **data)
        return render(plan_get(organization=self.organization, code=plan.code))


class PlanDetailView(OrganizationAPIView):
    resource_name = "plan"

    @extend_schema(
        operation_id="plans_retrieve",
        responses={200: PLAN_ENVELOPE, **errors(404)},
        tags=TAGS,
    )
    def get(self, request, code: str):
        return render(plan_get(organization=self.organization, code=code))

    @extend_schema(
        operation_id="plans_update",
        request=enveloped(ROOT_KEY, PlanUpdateInputSerializer, name="PlanUpdateRequestEnvelope"),
        responses={200: PLAN_ENVELOPE, **errors(404, 422)},
        tags=TAGS,
    )
    def put(self, request, code: str):
        plan = plan_get(organization=self.organization, code=code)
        data = self.validated(PlanUpdateInputSerializer, self.root_payload(ROOT_KEY))
        plan = plan_update(plan=plan, data=data)
        return render(plan_get(organization=self.organization, code=plan.code))

    @extend_schema(
        operation_id="plans_destroy",
        description="Refused (405 plan_has_live_subscriptions) while a subscription to the plan is active or pending.",
        responses={200: PLAN_ENVELOPE, **errors(404, 405)},
        tags=TAGS,
    )
    def delete(self, request, code: str):
        plan = plan_get(organization=self.organization, code=code)
        response = render(plan)  # rendered first: a deleted row has lost its primary key
        plan_delete(plan=plan)
        return response
