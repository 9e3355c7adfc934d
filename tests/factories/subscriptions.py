"""Plans, customers and subscriptions made directly through the ORM, independent of the catalog and customers APIs."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from djmoney.money import Money

from customers.models import Customer
from plans.models import Plan, Subscription
from tests.factories.billing import OrganizationFactory


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    class Params:
        amount_cents = 1000
        currency = "USD"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.LazyAttribute(lambda plan: plan.code.title())
    code = factory.Sequence(lambda n: f"plan_{n}")
    interval = Plan.Interval.MONTHLY
    amount = factory.LazyAttribute(lambda plan: Money(Decimal(plan.amount_cents) / 100, plan.currency))


class SubscriptionCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"customer_{n}")
    sequential_id = factory.Sequence(lambda n: 1000 + n)
    slug = factory.LazyAttribute(lambda customer: f"customer-{customer.sequential_id}")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(SubscriptionCustomerFactory, organization=factory.SelfAttribute("..organization"))
    plan = factory.SubFactory(PlanFactory, organization=factory.SelfAttribute("..organization"))
    external_id = factory.Sequence(lambda n: f"sub_{n}")
    status = Subscription.Status.ACTIVE
    subscription_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    started_at = factory.LazyAttribute(lambda s: s.subscription_at if s.status == Subscription.Status.ACTIVE else None)
