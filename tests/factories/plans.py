import factory
from djmoney.money import Money

from plans.models import BillableMetric, BillableMetricFilter, Charge, ChargeFilter, MinimumCommitment, Plan
from tests.factories.billing import OrganizationFactory


class BillableMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillableMetric

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Metric {n}")
    code = factory.Sequence(lambda n: f"metric_{n}")
    aggregation_type = BillableMetric.AggregationType.SUM
    field_name = "amount"


class BillableMetricFilterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillableMetricFilter

    billable_metric = factory.SubFactory(BillableMetricFactory)
    key = "region"
    values = factory.LazyFunction(lambda: ["eu", "us"])


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")
    code = factory.Sequence(lambda n: f"plan_{n}")
    interval = Plan.Interval.MONTHLY
    amount = Money("10.00", "USD")


class MinimumCommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinimumCommitment

    plan = factory.SubFactory(PlanFactory)
    amount = factory.LazyAttribute(lambda commitment: Money("50.00", str(commitment.plan.amount.currency)))


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    billable_metric = factory.SubFactory(BillableMetricFactory, organization=factory.SelfAttribute("..organization"))
    charge_model = Charge.ChargeModel.STANDARD
    properties = factory.LazyFunction(lambda: {"amount": "0.5"})
    min_amount = factory.LazyAttribute(lambda charge: Money("0", str(charge.plan.amount.currency)))


class ChargeFilterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeFilter

    charge = factory.SubFactory(ChargeFactory)
    values = factory.LazyFunction(lambda: {"region": ["eu"]})
    properties = factory.LazyFunction(lambda: {"amount": "0.4"})
