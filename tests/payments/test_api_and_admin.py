"""The payment URL (Lago's POST /invoices/:id/payment_url), the customer's authentication page, and the admin."""

import pytest
from django.contrib.auth import get_user_model

from billing.services import organization_member_set
from invoicing.models import Invoice
from payments.models import DunningSchedule, Payment, StripeAccount
from payments.tasks import collect_invoice
from tests.factories.invoicing import invoice_with_fees
from tests.factories.payments import REQUIRES_3DS, stripe_customer_with_card, stripe_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting(organization, stripe_sdk, stripe_account) -> Invoice:
    StripeAccount.objects.filter(pk=stripe_account.pk).update(publishable_key="pk_test_page")
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, REQUIRES_3DS))
    collect_invoice(str(invoice.id))
    return invoice


def payment_url(api, invoice):
    return api.post(f"/api/v1/invoices/{invoice.id}/payment_url")


def test_an_invoice_awaiting_3ds_answers_its_payment_url(api, awaiting):
    response = payment_url(api, awaiting)

    assert response.status_code == 200
    payment = Payment.objects.get(invoice=awaiting)
    assert response.json() == {
        "invoice_payment_details": {
            "lago_customer_id": str(awaiting.customer_id),
            "lago_invoice_id": str(awaiting.id),
            "external_customer_id": awaiting.customer.external_id,
            "payment_provider": "stripe",
            "payment_url": payment.payment_url,
        }
    }


@pytest.mark.parametrize(
    ("payment_status", "code"),
    [("succeeded", "invoice_payment_already_succeeded"), ("pending", "payment_url_not_available")],
)
def test_an_invoice_without_a_payment_awaiting_the_customer_has_no_payment_url(api, organization, payment_status, code):
    invoice = invoice_with_fees(organization=organization, payment_status=payment_status)

    response = payment_url(api, invoice)

    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": code}


def test_another_organizations_invoice_is_not_found(other_api, awaiting):
    response = payment_url(other_api, awaiting)

    assert response.json() == {"status": 404, "error": "Not Found", "code": "invoice_not_found"}


def test_the_payment_url_opens_the_authentication_page(client, awaiting, settings):
    payment = Payment.objects.get(invoice=awaiting)
    path = payment.payment_url.removeprefix(settings.PUBLIC_URL.rstrip("/"))

    page = client.get(path)

    intent_id = payment.provider_payment_id
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert awaiting.number in html and "10.00 USD" in html
    assert f"{intent_id}_secret_" in html and "pk_test_page" in html
    assert f'src="{settings.STRIPE_JS_URL}"' in html


def test_a_paid_payment_page_says_so_and_a_forged_token_is_not_found(client, awaiting, settings):
    payment = Payment.objects.get(invoice=awaiting)
    path = payment.payment_url.removeprefix(settings.PUBLIC_URL.rstrip("/"))
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)

    html = client.get(path).content.decode()

    assert "This invoice is paid" in html and "_secret_" not in html
    assert client.get(path.replace(path.split("/")[-2][-6:], "AAAAAA")).status_code == 404


def run_action(client, url: str, action: str, *objects) -> str:
    response = client.post(url, {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_mark_as_paid_records_a_manual_payment_and_reports_refusals(admin_client, organization):
    unpaid = invoice_with_fees(organization=organization)
    draft = invoice_with_fees(organization=organization, status=Invoice.Status.DRAFT)

    page = run_action(admin_client, "/admin/invoicing/invoice/", "mark_paid", unpaid, draft)

    assert "Marked paid 1 invoice(s)." in page and "invoice_not_finalized" in page
    unpaid.refresh_from_db()
    payment = Payment.objects.get(invoice=unpaid)
    assert unpaid.payment_status == Invoice.PaymentStatus.SUCCEEDED
    assert (payment.provider, payment.status, payment.amount) == ("manual", "succeeded", unpaid.total_amount)
    assert not Payment.objects.filter(invoice=draft).exists()


def test_the_payments_admin_shows_payments_with_their_attempts(admin_client, awaiting):
    payment = Payment.objects.get(invoice=awaiting)

    listing = admin_client.get("/admin/payments/payment/", {"q": awaiting.number}).content.decode()
    detail = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()

    assert awaiting.number in listing and "requires_action" in listing
    assert payment.attempts.get().idempotency_key in detail


def test_a_staff_member_edits_the_dunning_schedule_of_their_organization_only(client, organization, other_organization):
    user = get_user_model().objects.create_user("ops", password="pw", is_staff=True, is_superuser=True)
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    DunningSchedule.objects.create(organization=other_organization, retry_delays_days=[2])

    refused = client.post(
        "/admin/payments/dunningschedule/add/", {"organization": organization.pk, "retry_delays_days": "[3, 1]"}
    )
    created = client.post(
        "/admin/payments/dunningschedule/add/", {"organization": organization.pk, "retry_delays_days": "[1, 2, 5]"}
    )
    listing = client.get("/admin/payments/dunningschedule/").content.decode()

    assert refused.status_code == 200 and "increasing whole numbers" in refused.content.decode()
    assert created.status_code == 302
    assert DunningSchedule.objects.get(organization=organization).retry_delays_days == [1, 2, 5]
    assert "[1, 2, 5]" in listing and "[2]" not in listing


def test_the_page_of_a_voided_invoice_offers_no_payment(client, awaiting, settings):
    payment = Payment.objects.get(invoice=awaiting)
    Invoice.objects.filter(pk=awaiting.pk).update(status=Invoice.Status.VOIDED)

    html = client.get(payment.payment_url.removeprefix(settings.PUBLIC_URL.rstrip("/"))).content.decode()

    assert "needs no confirmation" in html and "_secret_" not in html
