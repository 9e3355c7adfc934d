"""GET /fees and /fees/:lago_id: Lago's fee object for each kind of fee, the list's filters, isolation."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lago_python_client.models.fee import FeeResponse

from invoicing.models import Fee, Invoice
from tests.factories.invoicing import FeeFactory, invoice_with_fees
from tests.factories.plans import ChargeFactory, ChargeFilterFactory, MinimumCommitmentFactory

pytestmark = pytest.mark.django_db

D = Decimal
FeeType = Fee.FeeType


def fee_body(api, fee: Fee) -> dict:
    response = api.get(f"/api/v1/fees/{fee.id}")
    assert response.status_code == 200, response.content
    body = response.json()["fee"]
    FeeResponse.parse_obj(body)  # the official client's model reads it
    return body


def listed(api, **params) -> list[str]:
    response = api.get("/api/v1/fees", params)
    assert response.status_code == 200, response.content
    return [fee["lago_id"] for fee in response.json()["fees"]]


@pytest.fixture
def invoice(organization) -> Invoice:
    return invoice_with_fees(organization=organization, customer__external_id="cust_1", taxes=[("vat", D("20"))])


def test_a_subscription_fee_renders_as_lagos_fee_object(api, invoice):
    fee = invoice.fees.get()
    subscription = fee.subscription

    body = fee_body(api, fee)

    assert body["lago_id"] == str(fee.id) and body["lago_invoice_id"] == str(invoice.id)
    assert (body["lago_subscription_id"], body["external_subscription_id"]) == (
        str(subscription.id),
        subscription.external_id,
    )
    assert (body["lago_customer_id"], body["external_customer_id"]) == (str(invoice.customer_id), "cust_1")
    assert (body["amount_cents"], body["precise_amount"], body["amount_currency"]) == (1000, "10", "USD")
    assert (body["taxes_amount_cents"], body["taxes_rate"], body["total_amount_cents"]) == (200, 20.0, 1200)
    assert (body["units"], body["total_aggregated_units"], body["precise_unit_amount"]) == ("1", "1", "10")
    assert (body["from_date"], body["to_date"]) == ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    assert (body["payment_status"], body["invoiceable"], body["pay_in_advance"]) == ("pending", True, False)
    assert body["lago_charge_id"] is body["lago_true_up_fee_id"] is body["lago_true_up_parent_fee_id"] is None
    assert body["item"] == {
        "type": "subscription",
        "code": subscription.plan.code,
        "name": subscription.plan.name,
        "invoice_display_name": subscription.plan.name,
        "filter_invoice_display_name": None,
        "filters": None,
        "lago_item_id": str(subscription.id),
        "item_type": "Subscription",
        "grouped_by": {},
    }
    [tax] = body["applied_taxes"]
    assert (tax["lago_fee_id"], tax["tax_code"], tax["tax_rate"], tax["amount_cents"]) == (
        str(fee.id),
        "vat",
        20.0,
        200,
    )
    assert tax["amount_currency"] == "USD"


def test_a_charge_fee_names_its_metric_filter_and_group(api, invoice):
    subscription = invoice.invoice_subscriptions.get().subscription
    charge = ChargeFactory(plan=subscription.plan, billable_metric__code="api_calls")
    charge_filter = ChargeFilterFactory(charge=charge, invoice_display_name="Europe")
    fee = FeeFactory(
        invoice=invoice,
        subscription=subscription,
        fee_type=FeeType.CHARGE,
        charge=charge,
        charge_filter=charge_filter,
        item_code="api_calls",
        item_name="API calls",
        invoice_display_name="Calls",
        filter_values={"region": ["eu"]},
        grouped_by={"cloud": "aws"},
        units=D("1200.5"),
        events_count=3,
        precise_amount=D("0.0125"),
        amount_details={"free_units": "10"},
    )

    body = fee_body(api, fee)

    assert (body["lago_charge_id"], body["lago_charge_filter_id"]) == (str(charge.id), str(charge_filter.id))
    assert (body["units"], body["events_count"], body["amount_cents"], body["precise_amount"]) == (
        "1200.5",
        3,
        1,
        "0.0125",
    )
    assert body["amount_details"] == {"free_units": "10"}
    assert body["item"] == {
        "type": "charge",
        "code": "api_calls",
        "name": "API calls",
        "invoice_display_name": "Calls",
        "filter_invoice_display_name": "Europe",
        "filters": {"region": ["eu"]},
        "lago_item_id": str(charge.billable_metric_id),
        "item_type": "BillableMetric",
        "grouped_by": {"cloud": "aws"},
    }


def test_a_filter_without_a_display_name_shows_its_values(api, invoice):
    fee = FeeFactory(invoice=invoice, fee_type=FeeType.CHARGE, filter_values={"region": ["eu", "us"]})

    assert fee_body(api, fee)["item"]["filter_invoice_display_name"] == "eu, us"


def test_a_true_up_fee_and_its_parent_point_at_each_other(api, invoice):
    parent = invoice.fees.get()
    true_up = FeeFactory(invoice=invoice, subscription=parent.subscription, true_up_parent=parent)

    assert fee_body(api, parent)["lago_true_up_fee_id"] == str(true_up.id)
    assert fee_body(api, true_up)["lago_true_up_parent_fee_id"] == str(parent.id)


def test_a_commitment_fee_names_the_plans_commitment(api, invoice):
    subscription = invoice.invoice_subscriptions.get().subscription
    commitment = MinimumCommitmentFactory(plan=subscription.plan)
    fee = FeeFactory(invoice=invoice, subscription=subscription, fee_type=FeeType.COMMITMENT)

    item = fee_body(api, fee)["item"]

    assert (item["type"], item["item_type"], item["lago_item_id"]) == ("commitment", "Commitment", str(commitment.id))
    commitment.delete()
    assert fee_body(api, fee)["item"]["lago_item_id"] is None


@pytest.fixture
def assorted(organization) -> dict[str, str]:
    """Fee ids by nickname, each on an invoice of its own, created a day apart in this order."""
    fees = {
        "plain": invoice_with_fees(organization=organization).fees.get(),
        "ada": invoice_with_fees(organization=organization, customer__external_id="ada_1").fees.get(),
        "eur": invoice_with_fees(organization=organization, currency="EUR").fees.get(),
        "paid": invoice_with_fees(organization=organization, payment_status="succeeded").fees.get(),
        "charge": invoice_with_fees(
            organization=organization, fees=[{"fee_type": FeeType.CHARGE, "item_code": "api_calls"}]
        ).fees.get(),
        "commitment": invoice_with_fees(organization=organization, fees=[{"fee_type": FeeType.COMMITMENT}]).fees.get(),
    }
    for day, fee in enumerate(fees.values(), start=1):
        Fee.objects.filter(pk=fee.pk).update(created_at=datetime(2026, 2, day, 12, tzinfo=UTC))
    Fee.objects.filter(pk=fees["ada"].pk).update(subscription=fees["plain"].subscription)
    return {name: str(fee.id) for name, fee in fees.items()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["commitment", "charge", "paid", "eur", "ada", "plain"]),
        ({"external_customer_id": "ada_1"}, ["ada"]),
        ({"fee_type": "charge"}, ["charge"]),
        ({"fee_type": "commitment"}, ["commitment"]),
        ({"billable_metric_code": "api_calls"}, ["charge"]),
        ({"currency": "EUR"}, ["eur"]),
        ({"payment_status": "succeeded"}, ["paid"]),
        ({"created_at_from": "2026-02-05"}, ["commitment", "charge"]),
        ({"created_at_to": "2026-02-02T12:00:00Z"}, ["ada", "plain"]),
        ({"created_at_from": "2026-02-02T12:00:01", "created_at_to": "2026-02-04T00:00:00+01:00"}, ["eur"]),
        ({"fee_type": "subscription", "currency": "USD", "created_at_to": "2026-02-04"}, ["ada", "plain"]),
        ({"fee_type": "", "currency": ""}, ["commitment", "charge", "paid", "eur", "ada", "plain"]),
    ],
)
def test_the_list_filters(api, assorted, params, expected):
    assert listed(api, **params) == [assorted[name] for name in expected]


def test_the_list_filters_by_subscription(api, organization, assorted):
    subscription = Fee.objects.get(pk=assorted["plain"]).subscription

    assert listed(api, external_subscription_id=subscription.external_id) == [assorted["ada"], assorted["plain"]]


def test_the_list_is_paginated(api, assorted):
    body = api.get("/api/v1/fees", {"per_page": 4, "page": 2}).json()

    assert [fee["lago_id"] for fee in body["fees"]] == [assorted["ada"], assorted["plain"]]
    assert body["meta"] == {"current_page": 2, "next_page": None, "prev_page": 1, "total_pages": 2, "total_count": 6}


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"fee_type": "add_on"}, "fee_type", "value_is_invalid"),
        ({"currency": "EURO"}, "currency", "value_is_invalid"),
        ({"payment_status": "paid"}, "payment_status", "value_is_invalid"),
        ({"created_at_from": "last week"}, "created_at_from", "invalid_date"),
        ({"created_at_to": "2026-13-01"}, "created_at_to", "invalid_date"),
        ({"external_subscription_id": "s" * 256}, "external_subscription_id", "value_is_too_long"),
        ({"per_page": "many"}, "per_page", "invalid_value"),
    ],
)
def test_bad_filters_answer_422_in_lagos_shape(api, params, field, code):
    response = api.get("/api/v1/fees", params)

    assert response.status_code == 422
    assert response.json()["error_details"] == {field: [code]}


@pytest.mark.parametrize("lago_id", ["6b8e1f2a-3c4d-4e5f-9a0b-1c2d3e4f5a6b", "fee_1"])
def test_an_unknown_fee_is_not_found(api, lago_id):
    response = api.get(f"/api/v1/fees/{lago_id}")

    assert response.json() == {"status": 404, "error": "Not Found", "code": "fee_not_found"}


def test_another_organizations_fees_are_invisible(api, other_api, invoice):
    fee = invoice.fees.get()

    assert other_api.get(f"/api/v1/fees/{fee.id}").status_code == 404
    assert listed(other_api) == [] and listed(other_api, external_customer_id="cust_1") == []
    assert listed(api) == [str(fee.id)]


def test_the_list_reads_a_fixed_number_of_queries(api, organization, django_assert_max_num_queries):
    invoice_with_fees(organization=organization, taxes=[("vat", D("20"))])
    api.get("/api/v1/fees")

    with django_assert_max_num_queries(3) as few:
        api.get("/api/v1/fees")
    for _ in range(3):
        invoice_with_fees(organization=organization, fees=[{}, {"fee_type": FeeType.CHARGE}], taxes=[("vat", D("20"))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/fees").json()["fees"]) == 7
