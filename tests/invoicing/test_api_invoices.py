"""GET /invoices and /invoices/:lago_id: Lago's invoice object, the list's filters and pagination, isolation."""

from datetime import date
from decimal import Decimal

import pytest
from lago_python_client.models.invoice import InvoiceResponse

from invoicing.models import Invoice
from tests.factories.invoicing import invoice_with_fees
from tests.factories.subscriptions import SubscriptionCustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def listed(api, **params) -> list[str]:
    response = api.get("/api/v1/invoices", params)
    assert response.status_code == 200, response.content
    return [invoice["number"] for invoice in response.json()["invoices"]]


@pytest.fixture
def taxed_invoice(organization) -> Invoice:
    """10.00 and 2.345 (rounded to 2.35) of fees, VAT 20% on each: 2.00 + 0.47."""
    return invoice_with_fees(
        organization=organization,
        customer__external_id="cust_taxed",
        fees=[{}, {"precise_amount": D("2.345"), "units": D(7)}],
        taxes=[("vat", D("20"))],
        metadata=[{"id": "m1", "key": "po", "value": "PO-7"}],
    )


def test_an_invoice_renders_as_lagos_invoice_object(api, taxed_invoice):
    response = api.get(f"/api/v1/invoices/{taxed_invoice.id}")

    assert response.status_code == 200
    body = response.json()["invoice"]
    InvoiceResponse.parse_obj(body)  # the official client's model reads it
    assert body["lago_id"] == str(taxed_invoice.id)
    assert (body["number"], body["sequential_id"]) == (taxed_invoice.number, taxed_invoice.sequential_id)
    assert (body["status"], body["payment_status"], body["invoice_type"]) == ("finalized", "pending", "subscription")
    assert (body["version_number"], body["currency"], body["file_url"]) == (4, "USD", None)
    assert body["fees_amount_cents"] == body["sub_total_excluding_taxes_amount_cents"] == 1235
    assert (body["taxes_amount_cents"], body["sub_total_including_taxes_amount_cents"]) == (247, 1482)
    assert body["total_amount_cents"] == body["total_due_amount_cents"] == 1482
    assert body["credit_notes_amount_cents"] == body["prepaid_credit_amount_cents"] == body["coupons_amount_cents"] == 0
    assert (body["issuing_date"], body["payment_due_date"], body["voided_at"]) == ("2026-02-01", "2026-02-01", None)
    assert body["customer"]["external_id"] == "cust_taxed"
    assert body["metadata"] == [{"lago_id": "m1", "key": "po", "value": "PO-7"}]
    [tax] = body["applied_taxes"]
    assert (tax["tax_code"], tax["tax_rate"], tax["amount_cents"], tax["fees_amount_cents"]) == ("vat", 20.0, 247, 1235)
    [subscription] = body["subscriptions"]
    [period] = body["billing_periods"]
    assert period["lago_subscription_id"] == subscription["lago_id"]
    assert period["subscription_from_datetime"] == period["charges_from_datetime"] == "2026-01-01T00:00:00Z"
    assert period["subscription_to_datetime"] == period["charges_to_datetime"] == "2026-02-01T00:00:00Z"
    assert period["invoicing_reason"] == "subscription_periodic"
    fees = {fee["amount_cents"]: fee for fee in body["fees"]}
    assert set(fees) == {1000, 235}
    assert (fees[235]["precise_amount"], fees[235]["units"], fees[235]["taxes_amount_cents"]) == ("2.345", "7", 47)
    assert fees[235]["total_amount_cents"] == 282


def test_a_paid_invoice_owes_nothing(api, organization):
    invoice = invoice_with_fees(organization=organization, payment_status=Invoice.PaymentStatus.SUCCEEDED)

    body = api.get(f"/api/v1/invoices/{invoice.id}").json()["invoice"]

    assert (body["total_amount_cents"], body["total_due_amount_cents"], body["total_paid_amount_cents"]) == (
        1000,
        0,
        1000,
    )


def test_amounts_follow_the_currencys_minor_unit(api, organization):
    invoice = invoice_with_fees(organization=organization, currency="JPY", fees=[{"precise_amount": D("1234.5")}])

    body = api.get(f"/api/v1/invoices/{invoice.id}").json()["invoice"]

    assert (body["currency"], body["total_amount_cents"], body["fees"][0]["amount_cents"]) == ("JPY", 1235, 1235)


def test_a_moment_without_a_plan_fee_shows_its_usage_window_as_the_period(api, organization):
    invoice = invoice_with_fees(organization=organization)
    invoice.invoice_subscriptions.update(from_datetime=None, to_datetime=None)

    [period] = api.get(f"/api/v1/invoices/{invoice.id}").json()["invoice"]["billing_periods"]

    assert (period["subscription_from_datetime"], period["subscription_to_datetime"]) == (
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    )


def test_the_list_renders_invoices_without_their_fees_as_lago_does(api, taxed_invoice):
    response = api.get("/api/v1/invoices")

    assert response.status_code == 200
    [body] = response.json()["invoices"]
    InvoiceResponse.parse_obj(body)
    assert body["lago_id"] == str(taxed_invoice.id) and body["total_amount_cents"] == 1482
    assert body["customer"]["external_id"] == "cust_taxed" and len(body["applied_taxes"]) == 1
    assert not {"fees", "subscriptions", "billing_periods"} & set(body)
    assert response.json()["meta"] == {
        "current_page": 1,
        "next_page": None,
        "prev_page": None,
        "total_pages": 1,
        "total_count": 1,
    }


def test_the_list_is_latest_first_and_paginated(api, organization):
    numbers = [
        invoice_with_fees(organization=organization, issuing_date=date(2026, 2, day)).number for day in (1, 2, 3)
    ]

    first = api.get("/api/v1/invoices", {"per_page": 2}).json()
    second = api.get("/api/v1/invoices", {"per_page": 2, "page": 2}).json()

    assert [invoice["number"] for invoice in first["invoices"]] == [numbers[2], numbers[1]]
    assert [invoice["number"] for invoice in second["invoices"]] == [numbers[0]]
    assert (first["meta"]["next_page"], first["meta"]["total_pages"], first["meta"]["total_count"]) == (2, 2, 3)
    assert (second["meta"]["prev_page"], second["meta"]["next_page"]) == (1, None)


@pytest.fixture
def assorted(organization) -> dict[str, str]:
    """Invoice numbers by nickname, differing in one attribute each from `plain`."""
    ada = SubscriptionCustomerFactory(
        organization=organization, external_id="ada_1", name="Ada Lovelace", email="ada@example.com"
    )
    invoices = {
        "plain": invoice_with_fees(organization=organization, issuing_date=date(2026, 2, 10)),
        "ada": invoice_with_fees(organization=organization, customer=ada, issuing_date=date(2026, 2, 11)),
        "draft": invoice_with_fees(
            organization=organization, status=Invoice.Status.DRAFT, issuing_date=date(2026, 2, 12)
        ),
        "paid": invoice_with_fees(
            organization=organization, payment_status=Invoice.PaymentStatus.SUCCEEDED, issuing_date=date(2026, 2, 13)
        ),
        "eur": invoice_with_fees(organization=organization, currency="EUR", issuing_date=date(2026, 2, 14)),
        "one_off": invoice_with_fees(
            organization=organization, invoice_type=Invoice.InvoiceType.ONE_OFF, issuing_date=date(2026, 2, 15)
        ),
        "overdue": invoice_with_fees(organization=organization, payment_overdue=True, issuing_date=date(2026, 1, 5)),
    }
    return {name: invoice.number for name, invoice in invoices.items()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"external_customer_id": "ada_1"}, ["ada"]),
        ({"status": "draft"}, ["draft"]),
        ({"payment_status": "succeeded"}, ["paid"]),
        ({"invoice_type": "one_off"}, ["one_off"]),
        ({"currency": "EUR"}, ["eur"]),
        ({"payment_overdue": "true"}, ["overdue"]),
        ({"issuing_date_from": "2026-02-14"}, ["one_off", "eur"]),
        ({"issuing_date_to": "2026-02-10"}, ["plain", "overdue"]),
        ({"issuing_date_from": "2026-02-11", "issuing_date_to": "2026-02-12"}, ["draft", "ada"]),
        ({"search_term": "lovelace"}, ["ada"]),
        ({"search_term": "ADA@EXAMPLE"}, ["ada"]),
        ({"search_term": "ada_1"}, ["ada"]),
        ({"status": "finalized", "currency": "USD", "issuing_date_to": "2026-02-11"}, ["ada", "plain", "overdue"]),
        ({"status": "", "currency": ""}, ["one_off", "eur", "paid", "draft", "ada", "plain", "overdue"]),
    ],
)
def test_the_list_filters(api, assorted, params, expected):
    assert listed(api, **params) == [assorted[name] for name in expected]


def test_the_search_term_finds_an_invoice_by_part_of_its_number(api, assorted):
    assert listed(api, search_term=assorted["eur"][-6:]) == [assorted["eur"]]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "paid"}, "status", "value_is_invalid"),
        ({"payment_status": "refunded"}, "payment_status", "value_is_invalid"),
        ({"invoice_type": "credit"}, "invoice_type", "value_is_invalid"),
        ({"currency": "usd"}, "currency", "value_is_invalid"),
        ({"issuing_date_from": "yesterday"}, "issuing_date_from", "invalid_date"),
        ({"issuing_date_to": "2026-02-30"}, "issuing_date_to", "invalid_date"),
        ({"issuing_date_to": "2026-02-01T00:00:00Z"}, "issuing_date_to", "invalid_date"),
        ({"payment_overdue": "yes"}, "payment_overdue", "value_is_invalid"),
        ({"search_term": "x" * 256}, "search_term", "value_is_too_long"),
        ({"external_customer_id": "a\x00b"}, "external_customer_id", "null_characters_not_allowed"),
        ({"page": "0"}, "page", "invalid_value"),
    ],
)
def test_bad_filters_answer_422_in_lagos_shape(api, params, field, code):
    response = api.get("/api/v1/invoices", params)

    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "error": "Unprocessable Entity",
        "code": "validation_errors",
        "error_details": {field: [code]},
    }


@pytest.mark.parametrize("lago_id", ["4f7d2c1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f", "not-a-uuid", "0" * 300])
def test_an_unknown_invoice_is_not_found(api, lago_id):
    response = api.get(f"/api/v1/invoices/{lago_id}")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "code": "invoice_not_found"}


def test_another_organizations_invoices_are_invisible(api, other_api, taxed_invoice):
    response = other_api.get(f"/api/v1/invoices/{taxed_invoice.id}")

    assert (response.status_code, response.json()["code"]) == (404, "invoice_not_found")
    assert listed(other_api) == []
    assert listed(other_api, external_customer_id="cust_taxed") == []
    assert listed(api) == [taxed_invoice.number]


def test_an_api_key_is_required(client, taxed_invoice):
    assert client.get("/api/v1/invoices").status_code == 401
    assert client.get(f"/api/v1/invoices/{taxed_invoice.id}").status_code == 401


def test_the_list_reads_a_fixed_number_of_queries(api, organization, django_assert_max_num_queries):
    for _ in range(2):
        invoice_with_fees(organization=organization, taxes=[("vat", D("20")), ("local", D("2.5"))])
    api.get("/api/v1/invoices")  # authenticates once: the key is then cached

    with django_assert_max_num_queries(5) as few:
        assert len(api.get("/api/v1/invoices").json()["invoices"]) == 2
    for _ in range(5):
        invoice_with_fees(organization=organization, fees=[{}, {}], taxes=[("vat", D("20"))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/invoices").json()["invoices"]) == 7


def test_one_invoice_reads_a_fixed_number_of_queries(api, organization, django_assert_max_num_queries):
    small = invoice_with_fees(organization=organization)
    large = invoice_with_fees(organization=organization, fees=[{}] * 6, taxes=[("vat", D("20")), ("local", D("2.5"))])
    api.get(f"/api/v1/invoices/{small.id}")

    with django_assert_max_num_queries(10) as few:
        api.get(f"/api/v1/invoices/{small.id}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(f"/api/v1/invoices/{large.id}").json()["invoice"]["fees"]) == 6
