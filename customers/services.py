"""Writes of customers: upsert by external_id, currency assignment, soft deletion."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from billing.errors import NotFound, ValidationFailed
from billing.models import Organization
from billing.services import sequence_next
from customers.deletion_hooks import run_customer_deletion_hooks
from customers.models import Customer, CustomerMetadata
from customers.validators import validate_currency_code
from customers.webhooks import customer_webhook_emit
from taxes.selectors import taxes_by_codes

MAX_METADATA_ENTRIES = 5
CUSTOMER_SEQUENCE = "customer"

# Fields a caller may set; the rest (ids, sequence, timestamps, deletion) belong to the services.
UPSERTABLE_FIELDS = frozenset(
    {
        "name",
        "firstname",
        "lastname",
        "customer_type",
        "email",
        "phone",
        "url",
        "legal_name",
        "legal_number",
        "tax_identification_number",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zipcode",
        "country",
        "currency",
        "timezone",
        "net_payment_term",
        "invoice_grace_period",
        "payment_provider",
        "provider_customer_id",
        "sync_with_provider",
        "document_locale",
    }
)

# Django's validation codes as the Lago codes the API answers with.
_DJANGO_TO_LAGO_CODES = {
    "blank": "value_is_mandatory",
    "null": "value_is_mandatory",
    "invalid_choice": "value_is_invalid",
    "max_length": "value_is_too_long",
    "min_value": "value_is_out_of_range",
    "max_value": "value_is_out_of_range",
    "invalid": "invalid_value",
}


@dataclass(frozen=True)
class MetadataEntry:
    key: str
    value: str
    display_in_invoice: bool = False


def customer_upsert(
    *,
    organization: Organization,
    external_id: str,
    metadata: Sequence[MetadataEntry] | None = None,
    tax_codes: Sequence[str] | None = None,
    **fields,
) -> tuple[Customer, bool]:
    """Creates the live customer with this external_id or changes only the given fields; True when created.

    `metadata`, when given, becomes the customer's whole set of entries (matched by key). `tax_codes`, when given,
    becomes the customer's whole set of taxes (an empty list falls back to the organization's); an unknown code is
    NotFound("tax") and changes nothing.
    """
    unknown = set(fields) - UPSERTABLE_FIELDS
    if unknown:
        raise TypeError(f"customer_upsert got unknown fields: {sorted(unknown)}")
    if metadata is not None:
        _validate_metadata(metadata)
    taxes = taxes_by_codes(organization=organization, codes=tax_codes) if tax_codes is not None else None

    with transaction.atomic():
        customer = _live_customer_for_update(organization=organization, external_id=external_id)
        created = customer is None
        if created:
            customer = _customer_insert(organization=organization, external_id=external_id, fields=fields)
            if customer is None:  # a concurrent request created it between our read and our insert
                created = False
                customer = _live_customer_for_update(organization=organization, external_id=external_id)
        if not created:
            _customer_update(customer=customer, fields=fields)
        if metadata is not None:
            _metadata_replace(customer=customer, entries=metadata)
        if taxes is not None:
            customer.taxes.set(taxes)
        if created or fields or metadata is not None or taxes is not None:
            customer_webhook_emit(customer=customer, created=created)
    return customer, created


def customer_get_or_create(*, organization: Organization, external_id: str) -> Customer:
    customer, _created = customer_upsert(organization=organization, external_id=external_id)
    return customer


@transaction.atomic
def customer_assign_currency(*, customer: Customer, currency: str) -> Customer:
    """Gives a customer without currency this one; a customer billed in another currency refuses it."""
    _full_clean_field(validate_currency_code, "currency", currency)
    current = Customer.objects.select_for_update().values_list("currency", flat=True).get(pk=customer.pk)
    if current and current != currency:
        raise ValidationFailed.single("currency", "currencies_does_not_match")
    customer.currency = currency
    if not current:
        customer.save(update_fields=["currency", "updated_at"])
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> Customer:
    """Soft-deletes: higher apps' hooks run first (and may refuse), then the external_id becomes free again."""
    still_alive = Customer.objects.alive().select_for_update().filter(pk=customer.pk).exists()
    if not still_alive:
        raise NotFound("customer")
    now = timezone.now()
    run_customer_deletion_hooks(customer=customer, at=now)
    customer.deleted_at = now
    customer.save(update_fields=["deleted_at"])
    return customer


def _live_customer_for_update(*, organization: Organization, external_id: str) -> Customer | None:
    return (
        Customer.objects.alive()
        .select_for_update(of=("self",))
        .select_related("organization")
        .filter(organization=organization, external_id=external_id)
        .first()
    )


def _customer_insert(*, organization: Organization, external_id: str, fields: dict) -> Customer | None:
    """The new customer, or None when the live external_id was taken concurrently (the savepoint undoes our part)."""
    customer = Customer(organization=organization, external_id=external_id, **fields)
    _full_clean(customer, exclude=["organization", "sequential_id", "slug"])
    try:
        with transaction.atomic():
            customer.sequential_id = sequence_next(organization=organization, name=CUSTOMER_SEQUENCE)
            customer.slug = _slug(organization=organization, sequential_id=customer.sequential_id)
            customer.save(force_insert=True)
    except IntegrityError:
        if not Customer.objects.alive().filter(organization=organization, external_id=external_id).exists():
            raise
        return None
    return customer


def _customer_update(*, customer: Customer, fields: dict) -> None:
    changed = [name for name, value in fields.items() if getattr(customer, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(customer, name, fields[name])
    _full_clean(customer, exclude=["organization"])
    customer.save(update_fields=[*changed, "updated_at"])


def _slug(*, organization: Organization, sequential_id: int) -> str:
    suffix = f"-{sequential_id:03d}"
    prefix = slugify(organization.name)[: Customer._meta.get_field("slug").max_length - len(suffix)]
    return f"{prefix}{suffix}"


def _validate_metadata(entries: Sequence[MetadataEntry]) -> None:
    if len(entries) > MAX_METADATA_ENTRIES:
        raise ValidationFailed.single("metadata", "invalid_count")
    keys = [entry.key for entry in entries]
    if len(set(keys)) != len(keys):
        raise ValidationFailed.single("metadata", "duplicated_key")


def _metadata_replace(*, customer: Customer, entries: Sequence[MetadataEntry]) -> None:
    existing = {row.key: row for row in customer.metadata.all()}
    wanted = {entry.key: entry for entry in entries}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        CustomerMetadata.objects.filter(pk__in=stale).delete()
    for index, entry in enumerate(entries):
        row = existing.get(entry.key) or CustomerMetadata(customer=customer, key=entry.key)
        if row._state.adding or (row.value, row.display_in_invoice) != (entry.value, entry.display_in_invoice):
            row.value = entry.value
            row.display_in_invoice = entry.display_in_invoice
            _full_clean(row, exclude=["customer"], prefix=f"metadata.{index}")
            row.save()


def _full_clean(instance, *, exclude: list[str] | None = None, prefix: str = "") -> None:
    """Model validation (field validators, choices, lengths) as a ValidationFailed with Lago codes.

    Uniqueness is the database's job: its constraints are checked on save. Foreign keys are excluded by the callers,
    since they come from the services themselves and checking them costs a query each.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(
            {
                f"{prefix}.{field}" if prefix else field: [_lago_code(error) for error in errors]
                for field, errors in exc.error_dict.items()
            }
        ) from exc


def _full_clean_field(validator, field: str, value) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        raise ValidationFailed({field: [_lago_code(error) for error in exc.error_list]}) from exc


def _lago_code(error: ValidationError) -> str:
    code = error.code or "invalid_value"
    return _DJANGO_TO_LAGO_CODES.get(code, code)
