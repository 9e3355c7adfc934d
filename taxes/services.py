"""Writes of the tax catalog. Linking taxes to customers, plans and charges belongs to those apps' services."""

from decimal import Decimal

from django.db import IntegrityError, transaction

from billing.errors import ValidationFailed
from billing.models import Organization
from taxes.models import MAX_RATE, MIN_RATE, Tax

# Fields a caller may change; the rest (ids, organization, timestamps) belong to the services.
TAX_FIELDS = frozenset({"name", "code", "rate", "description", "applied_to_organization"})
RATE_DECIMAL_PLACES = Tax._meta.get_field("rate").decimal_places


def tax_create(
    *,
    organization: Organization,
    name: str,
    code: str,
    rate: Decimal,
    description: str = "",
    applied_to_organization: bool = False,
) -> Tax:
    tax = Tax(
        organization=organization,
        name=name,
        code=code,
        rate=rate,
        description=description,
        applied_to_organization=applied_to_organization,
    )
    _check(tax)
    _save_with_unique_code(tax)
    return tax


def tax_update(*, tax: Tax, **changes) -> Tax:
    """Changes only the given fields (any of TAX_FIELDS); the code may change too, staying unique."""
    unknown = set(changes) - TAX_FIELDS
    if unknown:
        raise TypeError(f"tax_update got unknown fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(tax, name) != value]
    if not changed:
        return tax
    for name in changed:
        setattr(tax, name, changes[name])
    _check(tax)
    _save_with_unique_code(tax, update_fields=[*changed, "updated_at"])
    return tax


def tax_delete(*, tax: Tax) -> None:
    """Unlinks the tax from every customer, plan and charge; invoices keep their own copy of what they applied."""
    tax.delete()


def _check(tax: Tax) -> None:
    errors: dict[str, list[str]] = {}
    for field in ("name", "code"):
        if not getattr(tax, field).strip():
            errors[field] = ["value_is_mandatory"]
    rate = tax.rate
    if not rate.is_finite() or not MIN_RATE <= rate <= MAX_RATE or rate != round(rate, RATE_DECIMAL_PLACES):
        errors["rate"] = ["value_is_out_of_range"]
    if errors:
        raise ValidationFailed(errors)


def _save_with_unique_code(tax: Tax, *, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            tax.save(update_fields=update_fields)
    except IntegrityError:
        if not Tax.objects.filter(organization_id=tax.organization_id, code=tax.code).exclude(pk=tax.pk).exists():
            raise
        raise ValidationFailed.single("code", "value_already_exist") from None
