"""The fees a billing moment owes besides usage: the plan fee (prorated by days), the minimum commitment true-up and
each charge's minimum amount true-up."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from invoicing.rating.drafts import FeeDraft
from plans.billing_schedule import BillingMoment, ProratedPeriod
from plans.models import Subscription


def plan_fee_draft(subscription: Subscription, moment: BillingMoment) -> FeeDraft | None:
    prorated = moment.plan_fee
    if prorated is None:
        return None
    plan = subscription.plan
    return FeeDraft(
        fee_type="subscription",
        subscription=subscription,
        currency=plan.amount_currency,
        item_code=plan.code,
        item_name=plan.name,
        invoice_display_name=plan.invoice_display_name,
        precise_amount=prorated.prorate(plan.amount.amount),
        units=Decimal(1),
        from_datetime=prorated.billed.start,
        to_datetime=prorated.billed.end,
        pay_in_advance=moment.plan_fee_in_advance,
    )


def counts_toward_commitment(draft: FeeDraft, commitment: ProratedPeriod) -> bool:
    return draft.fee_type in ("subscription", "charge") and draft.from_datetime in commitment.billed


def commitment_true_up_draft(
    subscription: Subscription, moment: BillingMoment, *, billed_before: Decimal, drafts: Iterable[FeeDraft]
) -> FeeDraft | None:
    """Tops the period's fees up to the plan's minimum commitment, prorated like the plan fee.

    billed_before: the precise fees of this subscription already invoiced within the commitment's period (an
    in-advance plan fee, the monthly charges of a yearly plan).
    """
    prorated = moment.commitment
    commitment = getattr(subscription.plan, "minimum_commitment", None)
    if prorated is None or commitment is None:
        return None
    owed = prorated.prorate(commitment.amount.amount)
    counted = billed_before + sum(
        (draft.precise_amount for draft in drafts if counts_toward_commitment(draft, prorated)), Decimal(0)
    )
    if counted >= owed:
        return None
    plan = subscription.plan
    return FeeDraft(
        fee_type="commitment",
        subscription=subscription,
        currency=plan.amount_currency,
        item_code=plan.code,
        item_name=commitment.invoice_display_name or "Minimum commitment true-up",
        invoice_display_name=commitment.invoice_display_name,
        precise_amount=owed - counted,
        units=Decimal(1),
        from_datetime=prorated.billed.start,
        to_datetime=prorated.billed.end,
    )


def charge_minimum_true_ups(drafts: Iterable[FeeDraft]) -> list[FeeDraft]:
    """A charge whose fees (over all its filters and groups) stay under its min_amount gets a true-up fee for the
    difference, attached to its default fee."""
    per_charge: dict[object, list[FeeDraft]] = defaultdict(list)
    for draft in drafts:
        if draft.fee_type == "charge" and draft.charge is not None and draft.charge.min_amount.amount > 0:
            per_charge[(draft.subscription.id, draft.charge.id)].append(draft)
    true_ups = []
    for charge_drafts in per_charge.values():
        charge = charge_drafts[0].charge
        billed = sum((draft.precise_amount for draft in charge_drafts), Decimal(0))
        if billed >= charge.min_amount.amount:
            continue
        parent = next((draft for draft in charge_drafts if draft.charge_filter is None and not draft.grouped_by), None)
        parent = parent or charge_drafts[0]
        true_ups.append(
            FeeDraft(
                fee_type="charge",
                subscription=parent.subscription,
                currency=parent.currency,
                item_code=parent.item_code,
                item_name=f"{parent.item_name} - minimum spend true-up",
                invoice_display_name=charge.invoice_display_name,
                precise_amount=charge.min_amount.amount - billed,
                units=Decimal(1),
                from_datetime=parent.from_datetime,
                to_datetime=parent.to_datetime,
                charge=charge,
                charge_model=parent.charge_model,
                true_up_parent=parent,
            )
        )
    return true_ups
