"""The invoicing admin: read-only invoices and fees, actions through the services, "Bill now" on subscriptions."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from djmoney.money import Money

from billing.services import organization_member_set
from invoicing.models import Invoice
from plans.models import Plan
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees
from tests.factories.subscriptions import SubscriptionCustomerFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

INVOICES = "/admin/invoicing/invoice/"
Status = Invoice.Status


def run_action(client, url: str, action: str, *objects) -> str:
    response = client.post(url, {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def billed_draft(organization) -> Invoice:
    return billed_draft_invoice(organization)


@pytest.fixture
def invoice(organization) -> Invoice:
    ada = SubscriptionCustomerFactory(organization=organization, external_id="ada_1", name="Ada Lovelace")
    return invoice_with_fees(organization=organization, customer=ada, fees=[{"item_name": "Premium plan"}])


def test_the_changelist_searches_and_filters(admin_client, invoice, billed_draft):
    page = admin_client.get(INVOICES).content.decode()
    assert invoice.number in page and billed_draft.number in page and "10.00 USD" in page

    page = admin_client.get(INVOICES, {"q": "lovelace"}).content.decode()
    assert invoice.number in page and billed_draft.number not in page

    page = admin_client.get(INVOICES, {"q": billed_draft.number}).content.decode()
    assert billed_draft.number in page and invoice.number not in page

    page = admin_client.get(INVOICES, {"status__exact": "draft"}).content.decode()
    assert billed_draft.number in page and invoice.number not in page


def test_an_invoice_page_is_read_only_with_its_fees_taxes_and_periods(admin_client, organization):
    invoice = invoice_with_fees(organization=organization, fees=[{"item_name": "Premium plan"}], taxes=[("vat", 20)])

    response = admin_client.get(f"{INVOICES}{invoice.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Premium plan" in page and "Applied taxes" in page and "VAT" in page and "Periodic" in page
    assert 'name="_save"' not in page
    fee = invoice.fees.get()
    fee_page = admin_client.get(f"/admin/invoicing/fee/{fee.pk}/change/")
    assert fee_page.status_code == 200 and 'name="_save"' not in fee_page.content.decode()
    assert admin_client.get(f"{INVOICES}add/").status_code == 403


def test_finalize_finalizes_a_draft(admin_client, billed_draft):
    page = run_action(admin_client, INVOICES, "finalize", billed_draft)

    assert "Finalized 1 invoice(s)." in page
    billed_draft.refresh_from_db()
    assert billed_draft.status == Status.FINALIZED


def test_refresh_re_rates_a_draft(admin_client, billed_draft):
    Plan.objects.filter(subscriptions__invoice_subscriptions__invoice=billed_draft).update(amount=Money(12, "USD"))

    run_action(admin_client, INVOICES, "refresh", billed_draft)

    billed_draft.refresh_from_db()
    assert (billed_draft.status, billed_draft.total_amount) == (Status.DRAFT, 12)


def test_void_voids_a_finalized_invoice_and_reports_the_refused_ones(admin_client, organization, invoice):
    draft = invoice_with_fees(organization=organization, status=Status.DRAFT)

    page = run_action(admin_client, INVOICES, "void", invoice, draft)

    assert "not_voidable" in page and "Voided 1 invoice(s)." in page
    invoice.refresh_from_db()
    draft.refresh_from_db()
    assert (invoice.status, draft.status) == (Status.VOIDED, Status.DRAFT)


def test_bill_now_bills_the_selected_subscriptions(admin_client, organization):
    subscription = SubscriptionFactory(organization=organization, subscription_at=datetime(2026, 1, 1, tzinfo=UTC))
    idle = SubscriptionFactory(organization=organization)  # started a day ago: nothing owed yet

    page = run_action(admin_client, "/admin/plans/subscription/", "bill_now", subscription, idle)

    assert "Issued " in page
    billed = Invoice.objects.filter(invoice_subscriptions__subscription=subscription)
    assert billed.exists() and all(invoice.total_amount == 10 for invoice in billed)
    assert not Invoice.objects.filter(invoice_subscriptions__subscription=idle).exists()
    run_action(admin_client, "/admin/plans/subscription/", "bill_now", subscription)
    assert Invoice.objects.filter(invoice_subscriptions__subscription=subscription).count() == billed.count()


def staff_member(client, organization, *codenames: str):
    user = get_user_model().objects.create_user("finance", "f@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    return client


def test_a_staff_member_sees_only_the_invoices_of_its_organization(client, organization, other_organization):
    mine = invoice_with_fees(organization=organization)
    theirs = invoice_with_fees(organization=other_organization)
    staff_member(client, organization, "view_invoice", "view_fee")

    page = client.get(INVOICES).content.decode()

    assert mine.number in page and theirs.number not in page
    assert client.get(f"{INVOICES}{theirs.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/invoicing/fee/{theirs.fees.get().pk}/change/").status_code in (302, 404)


def test_the_actions_need_the_change_permission(client, organization):
    invoice = invoice_with_fees(organization=organization)
    staff_member(client, organization, "view_invoice")

    client.post(INVOICES, {"action": "void", "_selected_action": [invoice.pk]}, follow=True)

    invoice.refresh_from_db()
    assert invoice.status == Status.FINALIZED
