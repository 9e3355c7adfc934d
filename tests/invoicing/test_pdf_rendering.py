"""Invoice PDFs rendered for real by WeasyPrint, stored through the storage API and read back with pdftotext."""

import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from invoicing import hooks
from invoicing.hooks import InvoiceEvent, register_invoice_listener
from invoicing.models import Invoice
from invoicing.pdf.scheduling import register_pdf_listener, render_after_finalization
from invoicing.pdf.selectors import invoice_document, invoice_for_document
from invoicing.pdf.services import invoice_pdf_generate
from invoicing.services.invoices import invoice_finalize
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees
from tests.factories.pdf import invoice_of_many_lines, issuer, ten_line_invoice
from tests.invoicing.pdf_reading import pdf_page_png, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def only_pdf_listeners(monkeypatch):
    """The lifecycle listeners of PDF rendering alone (other apps' listeners would enqueue their own tasks)."""
    assert render_after_finalization in hooks._listeners[InvoiceEvent.FINALIZED]  # registered by apps.ready
    monkeypatch.setattr(hooks, "_listeners", hooks.defaultdict(list))
    register_pdf_listener()


@pytest.fixture
def generated(only_pdf_listeners) -> list:
    """The invoices GENERATED was fired for."""
    heard = []
    register_invoice_listener(InvoiceEvent.GENERATED, heard.extend)
    return heard


def rendered(invoice: Invoice) -> bytes:
    stored = invoice_pdf_generate(invoice_id=invoice.id)
    with stored.file.open("rb") as pdf:
        return pdf.read()


def line_of(text: str, start: str) -> str:
    return next(line.strip() for line in text.splitlines() if line.strip().startswith(start))


def test_the_pdf_shows_the_parties_the_dates_every_line_and_the_totals(organization):
    invoice = ten_line_invoice(issuer(organization))
    text = pdf_text(rendered(invoice))

    assert invoice.number in text
    for words in ("Acme Billing GmbH", "Hauptstraße 5", "10115 Berlin", "Germany", "Tax ID DE123456789"):
        assert words in text
    for words in ("Globex Corporation", "12 rue de la Paix", "75002 Paris", "France", "Tax ID FR40303265045"):
        assert words in text
    assert re.search(r"Issue date\s+Feb 1, 2026", text) and re.search(r"Due date\s+Feb 1, 2026", text)

    period = "Jan 1, 2026 – Jan 31, 2026"
    assert line_of(text, "Premium plan") == f"Premium plan {period} 1 $1,234.56 $1,234.56"
    assert line_of(text, "API calls") == f"API calls {period} 1,520 $0.01 $15.20"
    assert line_of(text, "Emails") == f"Emails {period} 10,000 $0.0001 $1.00"
    assert [line_of(text, "Compute")] + re.findall(r"region: \S+", text) == [
        f"Compute {period} 12.5 $2.00 $25.00",
        "region: eu-west",
        "region: us-east",
    ]
    assert "workspace: research" in text
    assert len(re.findall(re.escape(period), text)) == 10

    assert line_of(text, "Subtotal (excl. taxes)") == "Subtotal (excl. taxes) $1,426.46"
    # One line per rate, the highest first, with the base it applied to.
    assert line_of(text, "VAT (20%)") == "VAT (20%) on $1,426.46 $285.29"
    assert line_of(text, "CITY (2.5%)") == "CITY (2.5%) on $1,426.46 $35.68"
    assert text.index("VAT (20%)") < text.index("CITY (2.5%)")
    assert line_of(text, "Total") == "Total $1,747.43"
    assert line_of(text, "Amount due") == "Amount due $1,747.43"
    assert invoice.total_amount == Decimal("1747.43")
    assert re.search(rf"{invoice.number}\s+Page 1 of 1", text)


def test_money_follows_the_customer_document_locale(organization):
    invoice = ten_line_invoice(issuer(organization), currency="EUR", document_locale="de")
    text = pdf_text(rendered(invoice))

    assert line_of(text, "Premium plan") == "Premium plan 01.01.2026 – 31.01.2026 1 1.234,56 € 1.234,56 €"
    assert line_of(text, "VAT (20 %)") == "VAT (20 %) on 1.426,46 € 285,29 €"
    assert line_of(text, "Total") == "Total 1.747,43 €"
    assert "Deutschland" in text and "Frankreich" in text  # countries named in the document's language


def test_the_organization_locale_applies_when_the_customer_has_none(organization):
    organization.document_locale = "fr"
    organization.save()
    invoice = ten_line_invoice(organization, currency="EUR")
    assert line_of(pdf_text(rendered(invoice)), "Total") == "Total 1 747,43 €"


def test_yen_has_no_decimals(organization):
    invoice = invoice_with_fees(organization=organization, currency="JPY", fees=[{"precise_amount": Decimal("1235")}])
    text = pdf_text(rendered(invoice))
    assert line_of(text, "Total") == "Total ¥1,235"


def test_every_page_of_a_long_invoice_is_numbered_and_shows_every_line_once(organization):
    invoice = invoice_of_many_lines(organization, 70)
    pages = pdf_pages(rendered(invoice))

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"{invoice.number}\s+Page {number} of {len(pages)}", page)
    text = "\n".join(pages)
    assert [int(found) for found in re.findall(r"Metered item (\d{3})", text)] == list(range(1, 71))
    assert "UNIT PRICE" in pages[1]  # the table's header repeats on each page
    assert line_of(pages[-1], "Total") == "Total $840.00"


def test_a_paid_invoice_is_due_nothing(organization):
    invoice = invoice_with_fees(organization=organization, payment_status=Invoice.PaymentStatus.SUCCEEDED)
    text = pdf_text(rendered(invoice))
    assert line_of(text, "Total") == "Total $10.00"
    assert line_of(text, "Amount due") == "Amount due $0.00"


def test_a_voided_invoice_says_so(organization):
    invoice = invoice_with_fees(organization=organization, status=Invoice.Status.VOIDED)
    assert "VOIDED" in pdf_text(rendered(invoice))


def test_the_pdf_is_stored_once_and_generated_is_fired(organization, generated, django_capture_on_commit_callbacks):
    invoice = invoice_with_fees(organization=organization)
    with django_capture_on_commit_callbacks(execute=True):
        stored = invoice_pdf_generate(invoice_id=invoice.id)
    name = stored.file.name

    assert name == f"invoices/{organization.id}/{invoice.id}.pdf"
    assert default_storage.exists(name)
    assert Invoice.objects.get(pk=invoice.pk).file.name == name
    assert generated == [invoice.id]

    with django_capture_on_commit_callbacks(execute=True):
        again = invoice_pdf_generate(invoice_id=invoice.id)
    assert again.file.name == name and generated == [invoice.id]  # already there: not rendered again


def test_regenerating_replaces_the_file_and_removes_the_old_one(
    organization, generated, django_capture_on_commit_callbacks
):
    invoice = invoice_with_fees(organization=organization)
    first = invoice_pdf_generate(invoice_id=invoice.id).file.name
    organization.legal_name = "Acme Renamed SE"
    organization.save()

    with django_capture_on_commit_callbacks(execute=True):
        second = invoice_pdf_generate(invoice_id=invoice.id, regenerate=True)

    assert second.file.name != first and not default_storage.exists(first)
    assert generated == [invoice.id]
    assert "Acme Renamed SE" in pdf_text(second.file.open("rb").read())


def test_a_draft_or_a_missing_invoice_gets_no_pdf(organization):
    draft = billed_draft_invoice(organization)
    assert invoice_pdf_generate(invoice_id=draft.id) is None
    assert invoice_pdf_generate(invoice_id="5b0ae9a4-43a2-4cfb-a1a3-2b0d84e0f7b4") is None
    assert not Invoice.objects.get(pk=draft.pk).file


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_finalizing_an_invoice_renders_its_pdf_in_the_task(
    organization, only_pdf_listeners, django_capture_on_commit_callbacks
):
    draft = billed_draft_invoice(organization)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_finalize(invoice=draft)

    invoice = Invoice.objects.get(pk=draft.pk)
    assert invoice.file
    assert invoice.number in pdf_text(invoice.file.open("rb").read())


def test_a_page_renders_as_an_a4_image(organization, tmp_path):
    from PIL import Image

    png = pdf_page_png(rendered(ten_line_invoice(issuer(organization))), tmp_path)
    width, height = Image.open(png).size
    assert abs(height / width - 297 / 210) < 0.01


@pytest.mark.parametrize("lines", [1, 25])
def test_the_document_reads_a_fixed_number_of_queries(organization, lines, django_assert_num_queries):
    invoice = invoice_of_many_lines(organization, lines)
    with django_assert_num_queries(4):  # invoice with its parties, fees, their taxes, the invoice's taxes
        document = invoice_document(invoice=invoice_for_document(invoice_id=invoice.id))
    assert len(document.lines) == lines
