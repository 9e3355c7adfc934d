import pytest
from django.utils import timezone

from customers.models import Customer
from plans.models import Subscription
from tests.factories.plans import BillableMetricFactory, BillableMetricFilterFactory


@pytest.fixture
def metric(organization):
    """A sum metric with a `region` filter (eu, us)."""
    metric = BillableMetricFactory(organization=organization, code="api_calls", field_name="calls")
    BillableMetricFilterFactory(billable_metric=metric, key="region", values=["eu", "us"])
    return metric


@pytest.fixture
def subscribe():
    """subscribe(plan, status) -> a Subscription of a new customer, made with the ORM."""
    counter = iter(range(1, 1000))

    def make(plan, status=Subscription.Status.ACTIVE) -> Subscription:
        number = next(counter)
        customer = Customer.objects.create(
            organization=plan.organization, external_id=f"cust_{number}", sequential_id=number, slug=f"c{number}"
        )
        return Subscription.objects.create(
            organization=plan.organization,
            customer=customer,
            plan=plan,
            external_id=f"sub_{number}",
            status=status,
            subscription_at=timezone.now(),
        )

    return make
