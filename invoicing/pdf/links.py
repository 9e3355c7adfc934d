"""The invoice's `file_url`: an absolute link signed with the secret key that expires after
INVOICE_FILE_URL_MAX_AGE seconds.

A signed link rather than the API key: Lago's clients hand file_url on to people (an email, a browser tab) who have no
API key, and a link that expires can be shared without granting lasting access. It names the invoice, not the file, so
a regenerated PDF keeps its links working.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from billing.errors import DomainError, NotFound
from invoicing.models import Invoice

SALT = "invoicing.pdf.file"


class LinkExpired(DomainError):
    pass


def invoice_file_url(*, invoice: Invoice) -> str | None:
    """None until the PDF exists."""
    if not invoice.file:
        return None
    token = signing.TimestampSigner(salt=SALT).sign(str(invoice.pk))
    return settings.PUBLIC_URL.rstrip("/") + reverse("invoice-file", kwargs={"token": token})


def invoice_from_file_token(*, token: str) -> Invoice:
    """The invoice a link names, if its signature holds and it has not expired, and the invoice has its PDF."""
    try:
        invoice_id = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.INVOICE_FILE_URL_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkExpired("the link has expired") from exc
    except signing.BadSignature as exc:
        raise NotFound("invoice") from exc
    invoice = Invoice.objects.filter(pk=invoice_id).exclude(file="").first()
    if invoice is None:
        raise NotFound("invoice")
    return invoice
