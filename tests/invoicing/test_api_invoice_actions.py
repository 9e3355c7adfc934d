"""PUT /invoices/:lago_id, and the refresh, finalize and void actions: each through its service, refused ones
changing nothing, another organization's invoice out of reach."""

from decimal import Decimal

import pytest
from djmoney.money import Money
from lago_python_client.models.invoice import InvoiceResponse

from invoicing.models import Invoice
from plans.models import Plan
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees

pytestmark = pytest.mark.django_db

Status = Invoice.Status
PaymentStatus = Invoice.PaymentStatus


@pytest.fixture
def billed_draft(organization) -> Invoice:
    return billed_draft_invoice(organization)


@pytest.fixture
def invoice(organization) -> Invoice:
    """Finalized, not paid, with one metadata item."""
    return invoice_with_fees(organization=organization, metadata=[{"id": "m1", "key": "po", "value": "PO-1"}])


def update(api, invoice: Invoice, body) -> object:
    return api.put(f"/api/v1/invoices/{invoice.id}", body, format="json")


def unchanged(invoice: Invoice) -> bool:
    before = {field.attname: getattr(invoice, field.attname) for field in Invoice._meta.concrete_fields}
    invoice.refresh_from_db()
    return before == {field.attname: getattr(invoice, field.attname) for field in Invoice._meta.concrete_fields}


def test_the_payment_status_of_a_finalized_invoice_is_set(api, invoice):
    response = update(api, invoice, {"invoice": {"payment_status": "succeeded"}})

    assert response.status_code == 200
    body = response.json()["invoice"]
    InvoiceResponse.parse_obj(body)
    assert (body["payment_status"], body["total_due_amount_cents"], len(body["fees"])) == ("succeeded", 0, 1)
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.SUCCEEDED


def test_metadata_items_are_added_and_updated_by_id(api, invoice):
    response = update(
        api,
        invoice,
        {"invoice": {"metadata": [{"id": "m1", "key": "po", "value": "PO-2"}, {"key": "team", "value": "ops"}]}},
    )

    assert response.status_code == 200
    metadata = response.json()["invoice"]["metadata"]
    assert metadata[0] == {"lago_id": "m1", "key": "po", "value": "PO-2"}
    assert (metadata[1]["key"], metadata[1]["value"]) == ("team", "ops") and metadata[1]["lago_id"]
    invoice.refresh_from_db()
    assert [item["value"] for item in invoice.metadata] == ["PO-2", "ops"]


def test_an_empty_update_changes_nothing(api, invoice):
    assert update(api, invoice, {"invoice": {}}).status_code == 200

    invoice.refresh_from_db()
    assert (invoice.payment_status, invoice.metadata) == ("pending", [{"id": "m1", "key": "po", "value": "PO-1"}])


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"invoice": {"payment_status": "paid"}}, {"payment_status": ["value_is_invalid"]}),
        ({"invoice": {"payment_status": None}}, {"payment_status": ["value_is_mandatory"]}),
        ({"invoice": {"metadata": {"key": "po", "value": "x"}}}, {"metadata": ["invalid_type"]}),
        ({"invoice": {"metadata": ["po"]}}, {"metadata.0": ["invalid_type"]}),
        ({"invoice": {"metadata": [{"value": "x"}]}}, {"metadata.0.key": ["value_is_mandatory"]}),
        ({"invoice": {"metadata": [{"key": 7, "value": "x"}]}}, {"metadata.0.key": ["invalid_type"]}),
        ({"invoice": {"metadata": [{"key": "po", "value": "x" * 256}]}}, {"metadata.0.value": ["value_is_too_long"]}),
        (
            {"invoice": {"payment_status": "succeeded", "metadata": [{"id": "nope", "key": "po", "value": "x"}]}},
            {"metadata": ["metadata_not_found"]},
        ),
        ({"payment_status": "succeeded"}, {"invoice": ["value_is_mandatory"]}),
        ({"invoice": "succeeded"}, {"invoice": ["value_is_mandatory"]}),
    ],
)
def test_bad_input_answers_422_and_changes_nothing(api, invoice, body, details):
    response = update(api, invoice, body)

    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "error": "Unprocessable Entity",
        "code": "validation_errors",
        "error_details": details,
    }
    assert unchanged(invoice)


def test_a_draft_has_no_payment_status_to_set(api, billed_draft):
    response = update(api, billed_draft, {"invoice": {"payment_status": "succeeded"}})

    assert (response.status_code, response.json()["error_details"]) == (
        422,
        {"payment_status": ["invoice_not_finalized"]},
    )
    assert unchanged(billed_draft)


def test_refresh_re_rates_a_draft(api, billed_draft):
    Plan.objects.filter(subscriptions__invoice_subscriptions__invoice=billed_draft).update(amount=Money(25, "USD"))

    response = api.put(f"/api/v1/invoices/{billed_draft.id}/refresh")

    assert response.status_code == 200
    body = response.json()["invoice"]
    assert (body["status"], body["total_amount_cents"], [fee["amount_cents"] for fee in body["fees"]]) == (
        "draft",
        2500,
        [2500],
    )


def test_refresh_leaves_a_finalized_invoice_as_it_is(api, invoice):
    response = api.put(f"/api/v1/invoices/{invoice.id}/refresh")

    assert (response.status_code, response.json()["invoice"]["total_amount_cents"]) == (200, 1000)
    assert unchanged(invoice)


def test_finalize_turns_a_draft_into_a_finalized_invoice(api, billed_draft):
    response = api.put(f"/api/v1/invoices/{billed_draft.id}/finalize")

    assert response.status_code == 200
    body = response.json()["invoice"]
    InvoiceResponse.parse_obj(body)
    assert (body["status"], body["payment_status"], body["total_amount_cents"]) == ("finalized", "pending", 1000)
    billed_draft.refresh_from_db()
    assert billed_draft.status == Status.FINALIZED and billed_draft.finalized_at is not None
    assert api.put(f"/api/v1/invoices/{billed_draft.id}/finalize").json()["invoice"]["status"] == "finalized"


def test_a_voided_invoice_cannot_be_finalized(api, organization):
    voided = invoice_with_fees(organization=organization, status=Status.VOIDED)

    response = api.put(f"/api/v1/invoices/{voided.id}/finalize")

    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": "invoice_not_draft"}
    assert unchanged(voided)


def test_void_voids_an_unpaid_finalized_invoice(api, invoice):
    response = api.post(f"/api/v1/invoices/{invoice.id}/void")

    assert response.status_code == 200
    body = response.json()["invoice"]
    assert body["status"] == "voided" and body["voided_at"]
    invoice.refresh_from_db()
    assert invoice.status == Status.VOIDED


def test_a_draft_invoice_cannot_be_voided(api, organization):
    invoice = invoice_with_fees(organization=organization, status=Status.DRAFT)

    response = api.post(f"/api/v1/invoices/{invoice.id}/void")

    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": "not_voidable"}
    assert unchanged(invoice)


def test_a_paid_invoice_can_be_voided(api, organization):
    invoice = invoice_with_fees(organization=organization, payment_status=PaymentStatus.SUCCEEDED)

    response = api.post(f"/api/v1/invoices/{invoice.id}/void")

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_status) == (Status.VOIDED, PaymentStatus.SUCCEEDED)


ACTIONS = [
    ("put", "", {"invoice": {"payment_status": "succeeded", "metadata": [{"key": "k", "value": "v"}]}}),
    ("put", "/refresh", None),
    ("put", "/finalize", None),
    ("post", "/void", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_another_organizations_invoice_cannot_be_changed(other_api, billed_draft, invoice, method, suffix, body):
    for target in (billed_draft, invoice):
        response = getattr(other_api, method)(f"/api/v1/invoices/{target.id}{suffix}", body, format="json")

        assert (response.status_code, response.json()["code"]) == (404, "invoice_not_found")
        assert unchanged(target)
        assert target.fees.count() == 1


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_actions_on_an_unknown_invoice_are_not_found(api, method, suffix, body):
    response = getattr(api, method)(f"/api/v1/invoices/not-an-id{suffix}", body, format="json")

    assert (response.status_code, response.json()["code"]) == (404, "invoice_not_found")


def test_a_void_is_not_a_get(api, invoice):
    assert api.get(f"/api/v1/invoices/{invoice.id}/void").status_code == 405
    assert unchanged(invoice)


def test_amounts_stay_exact_through_an_update(api, organization):
    invoice = invoice_with_fees(organization=organization, fees=[{"precise_amount": Decimal("0.125")}])

    body = update(api, invoice, {"invoice": {"payment_status": "failed"}}).json()["invoice"]

    assert (body["payment_status"], body["total_amount_cents"], body["fees"][0]["precise_amount"]) == (
        "failed",
        13,
        "0.125",
    )
