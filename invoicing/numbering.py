"""Invoice numbers: the organization's prefix, the issuing year-month and the organization's gapless counter."""

import re
from datetime import date

from billing.models import Organization

FALLBACK_PREFIX_LENGTH = 3


def invoice_number_prefix(organization: Organization) -> str:
    if organization.invoice_number_prefix:
        return organization.invoice_number_prefix
    letters = re.sub(r"[^A-Za-z0-9]", "", organization.name).upper()
    return letters[:FALLBACK_PREFIX_LENGTH] or "INV"


def invoice_number(*, organization: Organization, issuing_date: date, sequential_id: int) -> str:
    """e.g. ACM-202204-000042: the counter never resets, so numbers stay unique across months."""
    return f"{invoice_number_prefix(organization)}-{issuing_date:%Y%m}-{sequential_id:06d}"
