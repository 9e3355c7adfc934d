"""Reads of taxes: the organization's catalog, and which taxes apply to a fee.

Customers, plans and charges link taxes through their own `taxes` fields (reverse names `customers`, `plans` and
`charges` here); this app sits below them and reaches them only through those relations, never by import.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from billing.errors import NotFound
from billing.models import Organization
from taxes.models import Tax


def _count_of(model, relation: str, **conditions) -> Subquery:
    """How many `relation` rows (matching `conditions`) the outer tax's row, or its organization's, is linked to."""
    outer = "pk" if model is Tax else "organization_id"
    condition = Q(**{f"{relation}__{lookup}": value for lookup, value in conditions.items()})
    counted = (
        model.objects.filter(pk=OuterRef(outer))
        .order_by()
        .annotate(count=Count(relation, filter=condition, distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_usage_counts(queryset: QuerySet[Tax]) -> QuerySet[Tax]:
    """Annotates what Lago's tax object reports: live plans, their charges, and the customers the tax applies to.

    A tax applied to the organization also applies to each live customer that has no tax of its own.
    """
    customers_by_default = _count_of(Organization, "customers", deleted_at__isnull=True, taxes__isnull=True)
    return queryset.annotate(
        plans_count=_count_of(Tax, "plans", deleted_at__isnull=True),
        charges_count=_count_of(Tax, "charges", plan__deleted_at__isnull=True),
        customers_count=_count_of(Tax, "customers", deleted_at__isnull=True)
        + Case(When(applied_to_organization=True, then=customers_by_default), default=Value(0)),
    )


def tax_list(*, organization: Organization) -> QuerySet[Tax]:
    """By name, as Lago lists them, with their usage counts."""
    return with_usage_counts(Tax.objects.filter(organization=organization)).order_by("name", "created_at", "id")


def tax_get(*, organization: Organization, code: str) -> Tax:
    tax = tax_list(organization=organization).filter(code=code).first()
    if tax is None:
        raise NotFound("tax")
    return tax


def tax_code_taken(*, organization: Organization, code: str, excluding: Tax | None = None) -> bool:
    taxes = Tax.objects.filter(organization=organization, code=code)
    if excluding is not None:
        taxes = taxes.exclude(pk=excluding.pk)
    return taxes.exists()


def taxes_by_codes(*, organization: Organization, codes: Iterable[str]) -> list[Tax]:
    """The organization's taxes with these codes, in the order given, once each; NotFound("tax") if one is unknown."""
    wanted = list(dict.fromkeys(codes))
    found = {tax.code: tax for tax in Tax.objects.filter(organization=organization, code__in=wanted)} if wanted else {}
    if len(found) != len(wanted):
        raise NotFound("tax")
    return [found[code] for code in wanted]


def taxes_prefetch(lookup: str = "taxes") -> models.Prefetch:
    """For querysets of customers, plans or charges that render their taxes as Lago's tax objects."""
    return models.Prefetch(lookup, queryset=with_usage_counts(Tax.objects.order_by("name", "created_at", "id")))


def taxes_by_precedence(levels: Iterable[Sequence[Tax]]) -> tuple[Tax, ...]:
    """Lago's rule: the first level that has any taxes gives all of them, levels being the charge's, the plan's, the
    customer's and the organization's, in that order. A generator of levels is read only as far as needed."""
    for level in levels:
        if level:
            return tuple(level)
    return ()


class TaxResolver:
    """Resolves the taxes of many fees of one organization, reading each customer's, plan's and charge's taxes once.

    Objects whose `taxes` were prefetched cost no query; others cost one query each, the first time they are seen.
    `preload` fetches the taxes of many objects at once (one query per kind of object).
    """

    def __init__(self, *, organization: Organization):
        self.organization = organization
        self._taxes_by_owner: dict[tuple[str, object], tuple[Tax, ...]] = {}

    @cached_property
    def organization_taxes(self) -> tuple[Tax, ...]:
        return tuple(Tax.objects.filter(organization=self.organization, applied_to_organization=True))

    def preload(self, owners: Iterable[models.Model]) -> None:
        by_model: dict[type, list[models.Model]] = defaultdict(list)
        for owner in owners:
            if owner is not None and self._key(owner) not in self._taxes_by_owner:
                by_model[type(owner)].append(owner)
        for instances in by_model.values():
            models.prefetch_related_objects(instances, "taxes")

    def preload_with_organization(self, owners: Iterable[models.Model]) -> None:
        """preload(owners), and the organization's taxes, which a fee takes when its owners have none."""
        self.preload(owners)
        _ = self.organization_taxes

    def for_fee(self, *, customer, plan=None, charge=None) -> tuple[Tax, ...]:
        """A charge's fee takes the charge's taxes, else the plan's, else the customer's, else the organization's;
        a subscription (or commitment) fee starts at the plan, a fee outside any plan at the customer."""
        return taxes_by_precedence(self._levels(charge, plan, customer))

    def _levels(self, *owners: models.Model | None) -> Iterator[tuple[Tax, ...]]:
        for owner in owners:
            yield self._taxes_of(owner)
        yield self.organization_taxes

    def _taxes_of(self, owner: models.Model | None) -> tuple[Tax, ...]:
        if owner is None:
            return ()
        key = self._key(owner)
        if key not in self._taxes_by_owner:
            self._taxes_by_owner[key] = tuple(owner.taxes.all())
        return self._taxes_by_owner[key]

    @staticmethod
    def _key(owner: models.Model) -> tuple[str, object]:
        return owner._meta.label, owner.pk


def tax_resolver(*, organization: Organization) -> TaxResolver:
    return TaxResolver(organization=organization)


def taxes_applicable(*, organization: Organization, customer, plan=None, charge=None) -> tuple[Tax, ...]:
    """The taxes of a single fee; for many fees, use one `tax_resolver` instead."""
    return tax_resolver(organization=organization).for_fee(customer=customer, plan=plan, charge=charge)


def tax_amount(base: Decimal, rate: Decimal) -> Decimal:
    """`rate` percent of `base`, unrounded: the caller rounds once per fee."""
    # scaleb shifts the exponent, so the division by 100 is exact whatever the context's precision.
    return (base * rate).scaleb(-2)
