"""Taxes per fee: each applicable tax of a fee is computed on its rounded amount and rounded once itself, so an
invoice's taxes are the sum of its fees' taxes and its total the sum of rounded lines."""

from collections.abc import Iterable

from billing.money import round_to_minor_unit
from invoicing.rating.drafts import FeeDraft, TaxLine
from taxes.selectors import TaxResolver, tax_amount


def taxes_apply(drafts: Iterable[FeeDraft], *, resolver: TaxResolver) -> None:
    drafts = list(drafts)
    owners = {}
    for draft in drafts:
        for owner in (draft.subscription.customer, draft.subscription.plan, draft.charge):
            if owner is not None:
                owners.setdefault((type(owner), owner.pk), owner)
    resolver.preload(owners.values())
    for draft in drafts:
        subscription = draft.subscription
        applicable = resolver.for_fee(customer=subscription.customer, plan=subscription.plan, charge=draft.charge)
        base = draft.amount
        draft.taxes = tuple(
            TaxLine(
                tax_id=tax.id,
                code=tax.code,
                name=tax.name,
                rate=tax.rate,
                description=tax.description,
                amount=round_to_minor_unit(tax_amount(base, tax.rate), draft.currency),
            )
            for tax in applicable
        )
