"""Rating: from (subscription, billing moment) pairs to fee drafts, priced with the same functions whether they end up
on an invoice or in a current-usage estimate. Reads usage and catalog; writes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from invoicing.rating.charges import UsageWindow, charge_fee_drafts
from invoicing.rating.drafts import FeeDraft, TaxLine
from invoicing.rating.subscription_fees import (
    charge_minimum_true_ups,
    commitment_true_up_draft,
    plan_fee_draft,
)
from invoicing.rating.taxes import taxes_apply
from plans.billing_schedule import BillingMoment
from plans.models import Subscription
from taxes.selectors import TaxResolver


@dataclass
class RatedMoment:
    subscription: Subscription
    moment: BillingMoment
    fees: list[FeeDraft] = field(default_factory=list)


def moments_rate(
    pairs: Sequence[tuple[Subscription, BillingMoment]],
    *,
    resolver: TaxResolver,
    commitment_billed_before: dict[tuple, Decimal] | None = None,
) -> list[RatedMoment]:
    """Fee drafts for each pair, with taxes. At most one pair per subscription: moments of one subscription are rated
    in order, one batch after the other, since a commitment counts what earlier moments billed.

    commitment_billed_before: {(subscription id, moment.at): precise fees already invoiced in the commitment period}.
    """
    windows = [
        UsageWindow(subscription=subscription, period=moment.charges)
        for subscription, moment in pairs
        if moment.charges is not None
    ]
    charge_drafts = charge_fee_drafts(windows)
    rated = []
    for subscription, moment in pairs:
        fees = []
        plan_fee = plan_fee_draft(subscription, moment)
        if plan_fee is not None:
            fees.append(plan_fee)
        if moment.charges is not None:
            fees.extend(charge_drafts.get(subscription.id, ()))
        fees.extend(charge_minimum_true_ups(fees))
        billed_before = (commitment_billed_before or {}).get((subscription.id, moment.at), Decimal(0))
        commitment = commitment_true_up_draft(subscription, moment, billed_before=billed_before, drafts=fees)
        if commitment is not None:
            fees.append(commitment)
        rated.append(RatedMoment(subscription=subscription, moment=moment, fees=fees))
    # Once for the whole batch: the resolver then reads the taxes of all its customers, plans and charges in one
    # query per kind, instead of a few queries per subscription.
    taxes_apply([fee for item in rated for fee in item.fees], resolver=resolver)
    return rated


__all__ = ["FeeDraft", "RatedMoment", "TaxLine", "UsageWindow", "charge_fee_drafts", "moments_rate"]
