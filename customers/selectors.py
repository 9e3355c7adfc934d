"""Reads of customers: only live (not deleted) customers of the asking organization exist."""

from collections.abc import Mapping

from django.db.models import QuerySet

from billing.errors import NotFound, ValidationFailed
from billing.models import Organization
from customers.filters import CustomerFilter
from customers.models import Customer
from taxes.selectors import taxes_prefetch

# Form validation codes as the Lago codes the API answers with.
_FORM_TO_LAGO_CODES = {"invalid_choice": "value_is_invalid", "max_length": "value_is_too_long"}


def _live_customers(*, organization: Organization) -> QuerySet[Customer]:
    return (
        Customer.objects.alive()
        .filter(organization=organization)
        .select_related("organization")
        .prefetch_related("metadata", taxes_prefetch())
    )


def customer_get(*, organization: Organization, external_id: str) -> Customer:
    if "\x00" in external_id:
        raise NotFound("customer")  # no stored id has one, and PostgreSQL refuses NUL in a query parameter
    customer = _live_customers(organization=organization).filter(external_id=external_id).first()
    if customer is None:
        raise NotFound("customer")
    return customer


def customer_list(*, organization: Organization, filters: Mapping | None = None) -> QuerySet[Customer]:
    """Newest first. `filters` holds CustomerFilter's fields (a QueryDict or a dict of lists and strings)."""
    queryset = _live_customers(organization=organization).order_by("-created_at", "-sequential_id")
    filterset = CustomerFilter(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationFailed(
            {
                field: [_FORM_TO_LAGO_CODES.get(error.code, error.code or "invalid_value") for error in errors]
                for field, errors in filterset.errors.as_data().items()
            }
        )
    return filterset.qs
