"""The invoice admin's "Download PDF" button (for signed-in staff, scoped to their organization) and its bulk
"Regenerate PDFs" action."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from billing.services import organization_member_set
from invoicing.models import Invoice
from invoicing.pdf import scheduling
from invoicing.pdf.services import invoice_pdf_generate
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees
from tests.invoicing.pdf_reading import pdf_text

pytestmark = pytest.mark.django_db

INVOICES = "/admin/invoicing/invoice/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def rendered(organization) -> Invoice:
    return invoice_pdf_generate(invoice_id=invoice_with_fees(organization=organization).id)


def staff_of(client, organization):
    user = get_user_model().objects.create_user("finance", "f@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_invoice", "change_invoice"]))
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    return client


def test_the_invoice_page_has_a_download_button_that_serves_the_pdf(admin_client, rendered):
    page = admin_client.get(f"{INVOICES}{rendered.pk}/change/").content.decode()
    button = f'<a class="button" href="{INVOICES}{rendered.pk}/pdf/">Download PDF</a>'
    assert button in page

    response = admin_client.get(f"{INVOICES}{rendered.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert rendered.number in pdf_text(b"".join(response.streaming_content))


def test_an_invoice_without_pdf_says_so_and_its_download_goes_back_to_the_page(admin_client, organization):
    invoice = invoice_with_fees(organization=organization)
    assert "Not rendered yet" in admin_client.get(f"{INVOICES}{invoice.pk}/change/").content.decode()

    response = admin_client.get(f"{INVOICES}{invoice.pk}/pdf/", follow=True)
    assert response.redirect_chain[-1][0] == f"{INVOICES}{invoice.pk}/change/"
    assert "This invoice has no PDF yet." in response.content.decode()


def test_staff_download_only_their_organization_pdfs(client, organization, other_organization, rendered):
    theirs = invoice_pdf_generate(invoice_id=invoice_with_fees(organization=other_organization).id)
    staff = staff_of(client, organization)

    assert staff.get(f"{INVOICES}{rendered.pk}/pdf/").status_code == 200
    assert staff.get(f"{INVOICES}{theirs.pk}/pdf/").status_code == 404


def test_the_download_needs_an_admin_session(client, rendered):
    response = client.get(f"{INVOICES}{rendered.pk}/pdf/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_regenerate_pdfs_queues_each_finalized_invoice_and_refuses_drafts(
    admin_client, organization, rendered, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(scheduling.render_invoice_pdf, "delay", lambda *args, **kwargs: queued.append((args, kwargs)))
    draft = billed_draft_invoice(organization)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            INVOICES, {"action": "regenerate_pdfs", "_selected_action": [rendered.pk, draft.pk]}, follow=True
        )

    page = response.content.decode()
    assert "Queued the PDF of 1 invoice(s)." in page and "a draft invoice has no PDF" in page
    assert queued == [((str(rendered.pk),), {"regenerate": True})]
