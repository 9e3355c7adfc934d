"""An organization per benchmarked configuration, with what makes its events clean: a metric, a plan and an active
subscription (an event without them is stored too, but with diagnostics, which is not the common case)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from billing.services import organization_create
from plans.services.billable_metrics import billable_metric_create
from plans.services.plans import plan_create
from plans.services.subscriptions import subscription_create

METRIC_CODE = "bench_calls"
SUBSCRIPTION_ID = "bench-subscription"


@dataclass(frozen=True)
class Tenant:
    organization_id: UUID
    api_key: str
    external_subscription_id: str
    code: str


def tenant_create(*, name: str, subscription_at: datetime) -> Tenant:
    organization, issued = organization_create(name=name)
    billable_metric_create(
        organization=organization, name="Bench calls", code=METRIC_CODE, aggregation_type="sum_agg", field_name="value"
    )
    plan_create(
        organization=organization,
        name="Bench",
        code="bench",
        interval="monthly",
        amount_cents=0,
        amount_currency="USD",
    )
    subscription_create(
        organization=organization,
        external_customer_id="bench-customer",
        plan_code="bench",
        external_id=SUBSCRIPTION_ID,
        subscription_at=subscription_at,
    )
    return Tenant(
        organization_id=organization.id,
        api_key=issued.raw_key,
        external_subscription_id=SUBSCRIPTION_ID,
        code=METRIC_CODE,
    )
