"""POST /api/v1/invoices/:lago_id/download and the signed link its file_url is: served to whoever holds it until it
expires, and to nobody with a forged or altered one."""

import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from kombu.exceptions import OperationalError
from lago_python_client.models.invoice import InvoiceResponse

from invoicing.models import Invoice
from invoicing.pdf import scheduling
from invoicing.pdf.links import SALT
from invoicing.pdf.services import invoice_pdf_generate
from tests.factories.invoicing import billed_draft_invoice, invoice_with_fees
from tests.invoicing.pdf_reading import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_URL = "https://billing.example.com"


@pytest.fixture
def queued(monkeypatch) -> list:
    """The renderings the download queued, instead of sending them to a broker."""
    calls = []

    class Task:
        @staticmethod
        def delay(invoice_id: str, regenerate: bool = False) -> None:
            calls.append((invoice_id, regenerate))

    monkeypatch.setattr(scheduling, "render_invoice_pdf", Task)
    return calls


@pytest.fixture
def invoice(organization) -> Invoice:
    return invoice_with_fees(organization=organization)


@pytest.fixture
def rendered(invoice) -> Invoice:
    return invoice_pdf_generate(invoice_id=invoice.id)


def download(api, invoice_id) -> dict:
    response = api.post(f"/api/v1/invoices/{invoice_id}/download")
    assert response.status_code == 200, response.content
    return response.json()["invoice"]


def fetch(url: str):
    """GET the link as a browser would: no API key, no session."""
    return Client().get(urlsplit(url).path)


def test_without_its_pdf_the_invoice_is_returned_and_rendering_is_queued(
    api, invoice, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = download(api, invoice.id)

    assert body["lago_id"] == str(invoice.id) and body["file_url"] is None
    assert queued == [(str(invoice.id), False)]
    assert InvoiceResponse.parse_obj(body).file_url is None  # what Lago's client makes of it


def test_with_its_pdf_the_invoice_links_to_it_and_nothing_is_queued(
    api, rendered, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = download(api, rendered.id)

    assert queued == []
    url = body["file_url"]
    assert url.startswith("https://billing.example.com/files/invoices/") and url.endswith(".pdf")
    response = fetch(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="{rendered.number}.pdf"' in response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF") and rendered.number in pdf_text(pdf)


def test_the_invoice_api_renders_the_link_everywhere(api, rendered):
    listed = api.get("/api/v1/invoices").json()["invoices"]
    shown = api.get(f"/api/v1/invoices/{rendered.id}").json()["invoice"]
    for body in (listed[0], shown):
        assert fetch(body["file_url"]).status_code == 200


def test_another_organization_invoice_is_not_found_and_not_queued(other_api, rendered, queued):
    response = other_api.post(f"/api/v1/invoices/{rendered.id}/download")
    assert response.status_code == 404 and response.json()["code"] == "invoice_not_found"
    assert other_api.post("/api/v1/invoices/not-a-uuid/download").status_code == 404
    assert queued == []


def test_a_draft_has_no_pdf_to_download(api, organization, queued):
    draft = billed_draft_invoice(organization)
    response = api.post(f"/api/v1/invoices/{draft.id}/download")
    assert response.status_code == 405 and response.json()["code"] == "is_draft"
    assert queued == []


def test_an_expired_link_is_refused(api, rendered, settings, monkeypatch):
    url = download(api, rendered.id)["file_url"]
    later = time.time() + settings.INVOICE_FILE_URL_MAX_AGE + 5
    monkeypatch.setattr(signing.time, "time", lambda: later)

    response = fetch(url)
    assert response.status_code == 410 and b"expired" in response.content


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda token, other: token[:-2] + ("AA" if not token.endswith("AA") else "BB"), id="altered"),
        pytest.param(lambda token, other: other + token[token.index(":") :], id="another invoice id"),
        pytest.param(lambda token, other: signing.TimestampSigner(salt="other").sign(other), id="another salt"),
        pytest.param(lambda token, other: signing.TimestampSigner(key="x" * 50, salt=SALT).sign(other), id="bad key"),
        pytest.param(lambda token, other: other, id="unsigned"),
    ],
)
def test_a_forged_link_is_refused(api, organization, rendered, forge):
    other = invoice_pdf_generate(invoice_id=invoice_with_fees(organization=organization).id)
    url = download(api, rendered.id)["file_url"]
    token = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".pdf")

    response = Client().get(f"/files/invoices/{forge(token, str(other.id))}.pdf")
    assert response.status_code == 404
    assert fetch(url).status_code == 200  # the genuine link still works


def test_a_link_keeps_working_after_the_pdf_is_regenerated(api, rendered):
    url = download(api, rendered.id)["file_url"]
    invoice_pdf_generate(invoice_id=rendered.id, regenerate=True)
    assert fetch(url).status_code == 200


def test_a_broker_that_refuses_the_message_does_not_fail_the_download(
    api, invoice, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(scheduling.render_invoice_pdf, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        body = download(api, invoice.id)
    assert body["file_url"] is None


def test_a_file_lost_from_the_storage_is_not_found(api, rendered):
    url = download(api, rendered.id)["file_url"]
    rendered.file.storage.delete(rendered.file.name)
    assert fetch(url).status_code == 404
