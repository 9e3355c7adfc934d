"""The official lago-python-client, unchanged, reading and changing invoices and fees against a live server."""

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models.invoice import Invoice as InvoiceInput
from lago_python_client.models.invoice import InvoiceMetadata, InvoiceMetadataList

from tests.factories.billing import OrganizationFactory, issue_key
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Client Co")


@pytest.fixture
def client(live_server, organization) -> Client:
    return Client(api_key=issue_key(organization), api_url=live_server.url + "/")


@pytest.fixture
def other_client(live_server) -> Client:
    return Client(api_key=issue_key(OrganizationFactory(name="Other Co")), api_url=live_server.url + "/")


def test_invoices_and_fees_through_the_official_client(client, other_client, organization):
    draft = billed_draft_invoice(organization)
    taxed = invoice_with_fees(
        organization=organization, customer__external_id="cust_taxed", fees=[{}, {}], taxes=[("vat", 20)]
    )

    listed = client.invoices.find_all({"per_page": 1, "status": "finalized"})
    assert [invoice.lago_id for invoice in listed["invoices"]] == [str(taxed.id)]
    assert listed["meta"]["total_count"] == 1
    assert listed["invoices"][0].applied_taxes.__root__[0].amount_cents == 400
    by_customer = client.invoices.find_all({"external_customer_id": "cust_draft"})["invoices"]
    assert [invoice.lago_id for invoice in by_customer] == [str(draft.id)]

    found = client.invoices.find(str(taxed.id))
    assert (found.total_amount_cents, found.customer.external_id) == (2400, "cust_taxed")
    assert (
        len(found.fees.__root__) == 2 and found.billing_periods.__root__[0].invoicing_reason == "subscription_periodic"
    )

    updated = client.invoices.update(
        InvoiceInput(
            payment_status="succeeded",
            metadata=InvoiceMetadataList(__root__=[InvoiceMetadata(key="po", value="PO-9")]),
        ),
        str(taxed.id),
    )
    assert (updated.payment_status, updated.total_due_amount_cents) == ("succeeded", 0)
    assert [(item.key, item.value) for item in updated.metadata.__root__] == [("po", "PO-9")]

    assert client.invoices.refresh(str(draft.id)).status == "draft"
    finalized = client.invoices.finalize(str(draft.id))
    assert (finalized.status, finalized.total_amount_cents) == ("finalized", 1000)
    assert client.invoices.void(str(draft.id)).status == "voided"
    assert client.invoices.void(str(draft.id)).status == "voided"  # voiding again changes nothing

    fees = client.fees.find_all({"external_customer_id": "cust_taxed", "fee_type": "subscription"})
    assert len(fees["fees"]) == 2 and fees["meta"]["total_count"] == 2
    fee = client.fees.find(fees["fees"][0].lago_id)
    assert (fee.lago_invoice_id, fee.payment_status, fee.item.type) == (str(taxed.id), "succeeded", "subscription")
    assert (fee.amount_cents, fee.taxes_amount_cents, fee.applied_taxes.__root__[0].tax_code) == (1000, 200, "vat")

    for attempt in (
        lambda: other_client.invoices.find(str(taxed.id)),
        lambda: other_client.invoices.finalize(str(draft.id)),
        lambda: other_client.fees.find(fee.lago_id),
    ):
        with pytest.raises(LagoApiError) as hidden:
            attempt()
        assert hidden.value.status_code == 404
    assert other_client.invoices.find_all()["invoices"] == []
