"""Which taxes apply to a fee (Lago's precedence: charge, plan, customer, organization) and how much they are."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from plans.models import Charge, Plan
from taxes.models import Tax
from taxes.selectors import tax_amount, tax_resolver, taxes_applicable, taxes_by_precedence
from tests.factories.customers import CustomerFactory
from tests.factories.plans import ChargeFactory, PlanFactory
from tests.factories.taxes import TaxFactory

CHARGE, PLAN, CUSTOMER, ORGANIZATION = (Tax(code=code, rate=Decimal(1)) for code in ("c", "p", "u", "o"))


@pytest.mark.parametrize(
    ("charge", "plan", "customer", "organization", "expected"),
    [
        ([CHARGE], [PLAN], [CUSTOMER], [ORGANIZATION], ["c"]),
        ([], [PLAN], [CUSTOMER], [ORGANIZATION], ["p"]),
        ([], [], [CUSTOMER], [ORGANIZATION], ["u"]),
        ([], [], [], [ORGANIZATION], ["o"]),
        ([], [], [], [], []),
        ([CHARGE], [], [], [], ["c"]),
        ([CHARGE], [], [CUSTOMER], [], ["c"]),
        ([], [PLAN], [], [ORGANIZATION], ["p"]),
        ([CHARGE, PLAN], [PLAN], [], [], ["c", "p"]),  # a level gives all of its taxes, never a merge of levels
        ([], [], [CUSTOMER, ORGANIZATION], [ORGANIZATION], ["u", "o"]),
    ],
)
def test_the_first_level_with_taxes_gives_all_of_them(charge, plan, customer, organization, expected):
    taxes = taxes_by_precedence([charge, plan, customer, organization])

    assert [tax.code for tax in taxes] == expected


@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [
        (Decimal("100"), Decimal("20"), Decimal("20")),
        (Decimal("10.00"), Decimal("5.5"), Decimal("0.55")),
        (Decimal("0.01"), Decimal("20"), Decimal("0.002")),
        (Decimal("1234.567891"), Decimal("8.875"), Decimal("109.56790032625")),
        (Decimal("999"), Decimal("0"), Decimal("0")),
        (Decimal("3"), Decimal("100"), Decimal("3")),
        (Decimal("1"), Decimal("0.000001"), Decimal("0.00000001")),
    ],
)
def test_tax_amount_is_exact_and_unrounded(base, rate, expected):
    assert tax_amount(base, rate) == expected


@given(
    base=st.decimals(min_value=0, max_value=10**12, places=6, allow_nan=False),
    rate=st.decimals(min_value=0, max_value=100, places=6, allow_nan=False),
)
def test_tax_amount_times_100_is_base_times_rate(base, rate):
    assert tax_amount(base, rate) * 100 == base * rate


@pytest.mark.django_db
class TestResolver:
    @pytest.fixture
    def catalog(self, organization, other_organization):
        """Taxes of every level, the organization's default among them, and another organization's default."""
        make = lambda code, **fields: TaxFactory(organization=organization, code=code, name=code, **fields)  # noqa: E731
        taxes = {code: make(code) for code in ("charge", "plan", "customer")}
        taxes["default"] = make("default", applied_to_organization=True)
        TaxFactory(organization=other_organization, code="theirs", applied_to_organization=True)
        return taxes

    @pytest.mark.parametrize(
        ("linked", "with_charge", "expected"),
        [
            ({"charge", "plan", "customer"}, True, ["charge"]),
            ({"charge", "plan", "customer"}, False, ["plan"]),
            ({"plan", "customer"}, True, ["plan"]),
            ({"customer"}, True, ["customer"]),
            ({"charge"}, False, ["default"]),
            (set(), True, ["default"]),
        ],
    )
    def test_for_fee_follows_lagos_precedence(self, organization, catalog, linked, with_charge, expected):
        customer = CustomerFactory(organization=organization)
        plan = PlanFactory(organization=organization)
        charge = ChargeFactory(plan=plan)
        for owner, level in ((charge, "charge"), (plan, "plan"), (customer, "customer")):
            if level in linked:
                owner.taxes.add(catalog[level])

        resolver = tax_resolver(organization=organization)
        taxes = resolver.for_fee(customer=customer, plan=plan, charge=charge if with_charge else None)

        assert [tax.code for tax in taxes] == expected
        assert (
            taxes_applicable(
                organization=organization, customer=customer, plan=plan, charge=charge if with_charge else None
            )
            == taxes
        )

    def test_a_fee_outside_any_plan_starts_at_the_customer(self, organization, catalog):
        customer = CustomerFactory(organization=organization)

        assert [tax.code for tax in tax_resolver(organization=organization).for_fee(customer=customer)] == ["default"]
        customer.taxes.add(catalog["customer"])
        assert [tax.code for tax in tax_resolver(organization=organization).for_fee(customer=customer)] == ["customer"]

    def test_each_object_is_read_once_however_many_fees(self, organization, catalog):
        customer = CustomerFactory(organization=organization)
        plan = PlanFactory(organization=organization)
        charges = [ChargeFactory(plan=plan) for _ in range(3)]
        resolver = tax_resolver(organization=organization)

        with CaptureQueriesContext(connection) as first_pass:
            for charge in charges:
                resolver.for_fee(customer=customer, plan=plan, charge=charge)
        with CaptureQueriesContext(connection) as second_pass:
            for charge in charges:
                resolver.for_fee(customer=customer, plan=plan, charge=charge)

        assert len(first_pass) == 3 + 1 + 1 + 1  # each charge, the plan, the customer, the organization's defaults
        assert len(second_pass) == 0

    def test_levels_below_the_first_one_with_taxes_are_not_read(self, organization, catalog):
        customer = CustomerFactory(organization=organization)
        plan = PlanFactory(organization=organization)
        plan.taxes.add(catalog["plan"])
        resolver = tax_resolver(organization=organization)

        with CaptureQueriesContext(connection) as queries:
            taxes = resolver.for_fee(customer=customer, plan=plan)

        assert [tax.code for tax in taxes] == ["plan"]
        assert len(queries) == 1

    def test_preload_and_prefetched_objects_cost_one_query_per_kind(self, organization, catalog):
        customers = [CustomerFactory(organization=organization) for _ in range(3)]
        plans = [PlanFactory(organization=organization) for _ in range(2)]
        for plan in plans:
            ChargeFactory(plan=plan).taxes.add(catalog["charge"])
        plans = list(Plan.objects.filter(pk__in=[p.pk for p in plans]).prefetch_related("charges__taxes"))
        charges = [charge for plan in plans for charge in plan.charges.all()]
        resolver = tax_resolver(organization=organization)

        with CaptureQueriesContext(connection) as preloading:
            resolver.preload([*customers, *plans])
        with CaptureQueriesContext(connection) as resolving:
            results = [
                resolver.for_fee(customer=customer, plan=plan, charge=charge)
                for customer in customers
                for plan in plans
                for charge in charges
                if charge.plan_id == plan.pk
            ]

        assert len(preloading) == 2  # the customers' taxes, the plans' taxes
        assert len(resolving) == 0  # charges came prefetched; no fee reached the organization's defaults
        assert {tax.code for taxes in results for tax in taxes} == {"charge"}
        assert Charge.objects.count() == 2
