"""Writes of plans with their minimum commitment and charges, each call in one transaction.

Everything is validated before the first write, and every error of a request is reported at once, keyed by its
path ("charges.1.properties.amount"); the transaction makes sure a refused request leaves nothing behind.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from djmoney.money import Money

from billing.errors import NotAllowed, ValidationFailed
from billing.models import Organization
from billing.money import from_cents, to_cents
from plans.charge_models import validate_charge_properties
from plans.models import BillableMetric, Charge, ChargeFilter, MinimumCommitment, Plan, Subscription
from plans.selectors.billable_metrics import billable_metrics_by_id
from plans.selectors.plans import plan_has_live_subscriptions
from taxes.models import Tax
from taxes.selectors import taxes_by_codes

MONTHLY_CHARGES_INTERVALS = (Plan.Interval.YEARLY, Plan.Interval.SEMIANNUAL)
# Live subscriptions are billed on the plan's cycle and in their customer's currency: these stay while they run.
FIXED_WHILE_SUBSCRIBED = ("interval", "amount_currency")

_Aggregation = BillableMetric.AggregationType
PAYABLE_IN_ADVANCE_AGGREGATIONS = frozenset({_Aggregation.COUNT, _Aggregation.SUM, _Aggregation.UNIQUE_COUNT})

PLAN_FIELDS = (
    "name",
    "code",
    "interval",
    "description",
    "invoice_display_name",
    "pay_in_advance",
    "trial_period",
    "bill_charges_monthly",
)


@dataclass(frozen=True)
class MinimumCommitmentSpec:
    amount_cents: int
    invoice_display_name: str = ""


@dataclass(frozen=True)
class ChargeFilterSpec:
    """Own properties for events whose metric filters take these values ({key: [value, ...]})."""

    values: dict[str, list[str]]
    properties: dict[str, Any]
    invoice_display_name: str = ""


@dataclass(frozen=True)
class ChargeSpec:
    """A charge described in full; `id` names an existing charge of the plan to update in place.

    `tax_codes` replaces the charge's taxes; None leaves an updated charge's taxes as they are (a new one has none).
    """

    billable_metric_id: uuid.UUID
    charge_model: str
    id: uuid.UUID | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    filters: tuple[ChargeFilterSpec, ...] = ()
    pay_in_advance: bool = False
    invoiceable: bool = True
    prorated: bool = False
    min_amount_cents: int = 0
    invoice_display_name: str = ""
    tax_codes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _CheckedCharge:
    spec: ChargeSpec
    billable_metric: BillableMetric
    properties: dict[str, Any]
    filters: tuple[tuple[ChargeFilterSpec, dict[str, Any]], ...]  # each with its normalized properties


def _money(cents: int, currency: str) -> Money:
    return Money(from_cents(cents, currency), currency)


def _reexpressed(money: Money, currency: str) -> Money:
    """The same number of minor units in another currency: what a client sees as *_amount_cents does not move."""
    return _money(to_cents(money.amount, str(money.currency)), currency)


class _Errors(dict):
    def add(self, path: str, code: str) -> None:
        self.setdefault(path, []).append(code)

    def absorb(self, failure: ValidationFailed) -> None:
        for path, codes in failure.details.items():
            self.setdefault(path, []).extend(codes)


@transaction.atomic
def plan_create(
    *,
    organization: Organization,
    name: str,
    code: str,
    interval: str,
    amount_cents: int,
    amount_currency: str,
    description: str = "",
    invoice_display_name: str = "",
    pay_in_advance: bool = False,
    trial_period: Decimal = Decimal(0),
    bill_charges_monthly: bool | None = None,
    minimum_commitment: MinimumCommitmentSpec | None = None,
    tax_codes: Sequence[str] = (),
    charges: Sequence[ChargeSpec] = (),
) -> Plan:
    errors = _Errors()
    _check_plan_rules(errors, interval=interval, bill_charges_monthly=bill_charges_monthly)
    checked_charges = _check_charges(errors, organization=organization, charges=charges, existing={})
    if errors:
        raise ValidationFailed(errors)
    taxes = _taxes_by_code(organization, plan_tax_codes=tax_codes, charges=charges)
    plan = Plan(
        organization=organization,
        name=name,
        code=code,
        interval=interval,
        amount=_money(amount_cents, amount_currency),
        description=description,
        invoice_display_name=invoice_display_name,
        pay_in_advance=pay_in_advance,
        trial_period=trial_period,
        bill_charges_monthly=bill_charges_monthly,
    )
    _save_with_unique_code(plan)
    if tax_codes:
        plan.taxes.set(taxes[code] for code in tax_codes)
    if minimum_commitment is not None:
        _commitment_set(plan, minimum_commitment)
    _charges_replace(plan, checked_charges, existing={}, taxes=taxes)
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, data: dict[str, Any]) -> Plan:
    """Changes the keys present in `data`: PLAN_FIELDS, amount_cents, amount_currency, tax_codes (the new set),
    minimum_commitment (None removes it) and charges (the new set: ids update, no id creates, absent ones go).
    Interval and currency are refused while subscriptions are active or pending; an unknown tax code is
    NotFound("tax"). Nothing changes unless everything is accepted."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    old_currency = str(plan.amount.currency)
    currency = data.get("amount_currency", old_currency)
    existing = {charge.id: charge for charge in plan.charges.all()}

    errors = _Errors()
    _check_plan_rules(
        errors,
        interval=data.get("interval", plan.interval),
        bill_charges_monthly=data.get("bill_charges_monthly", plan.bill_charges_monthly),
    )
    changed = [name for name in FIXED_WHILE_SUBSCRIBED if name in data and data[name] != getattr(plan, name)]
    if changed and plan_has_live_subscriptions(plan=plan):
        for name in changed:
            errors.add(name, "plan_has_live_subscriptions")
    checked_charges = None
    if "charges" in data:
        checked_charges = _check_charges(
            errors, organization=plan.organization, charges=data["charges"], existing=existing
        )
    if errors:
        raise ValidationFailed(errors)
    taxes = _taxes_by_code(plan.organization, plan_tax_codes=data.get("tax_codes", ()), charges=data.get("charges", ()))

    for name in PLAN_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    if "amount_cents" in data:
        plan.amount = _money(data["amount_cents"], currency)
    else:
        plan.amount = _reexpressed(plan.amount, currency)
    _save_with_unique_code(plan)
    if "tax_codes" in data:
        plan.taxes.set(taxes[code] for code in data["tax_codes"])

    if currency != old_currency:
        _reexpress_amounts(plan, charges=existing.values())
    if "minimum_commitment" in data:
        if data["minimum_commitment"] is None:
            MinimumCommitment.objects.filter(plan=plan).delete()
        else:
            _commitment_set(plan, data["minimum_commitment"])
    if checked_charges is not None:
        _charges_replace(plan, checked_charges, existing=existing, taxes=taxes)
    return plan


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    """Refused while a subscription is active or pending. A plan that ended subscriptions used stays as a deleted row
    (their history and invoices keep pointing at it, and its code is free again); an unused plan is removed."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan_has_live_subscriptions(plan=locked):
        raise NotAllowed("plan_has_live_subscriptions")
    if Subscription.objects.filter(plan=locked).exists():
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at", "updated_at"])
    else:
        try:
            locked.delete()
        except ProtectedError:  # a subscription made meanwhile by a caller that did not take the plan's lock
            raise NotAllowed("plan_has_live_subscriptions") from None


def _check_plan_rules(errors: _Errors, *, interval: str, bill_charges_monthly: bool | None) -> None:
    if bill_charges_monthly and interval not in MONTHLY_CHARGES_INTERVALS:
        errors.add("bill_charges_monthly", "not_compatible_with_interval")


def _taxes_by_code(
    organization: Organization, *, plan_tax_codes: Sequence[str], charges: Sequence[ChargeSpec]
) -> dict[str, Tax]:
    """The taxes the plan and its charges name, in one query; NotFound("tax") as Lago answers, for any unknown code."""
    codes = [*plan_tax_codes, *(code for spec in charges for code in spec.tax_codes or ())]
    return {tax.code: tax for tax in taxes_by_codes(organization=organization, codes=codes)}


def _check_charges(
    errors: _Errors, *, organization: Organization, charges: Sequence[ChargeSpec], existing: dict[uuid.UUID, Charge]
) -> list[_CheckedCharge]:
    metrics = billable_metrics_by_id(organization=organization, ids={spec.billable_metric_id for spec in charges})
    checked = []
    seen_ids = set()
    for index, spec in enumerate(charges):
        path = f"charges.{index}"
        if spec.id is not None:
            if spec.id not in existing:
                errors.add(f"{path}.id", "charge_not_found")
            elif spec.id in seen_ids:
                errors.add(f"{path}.id", "value_already_exist")
            seen_ids.add(spec.id)
        metric = metrics.get(spec.billable_metric_id)
        if metric is None:
            errors.add(f"{path}.billable_metric_id", "billable_metric_not_found")
        elif spec.pay_in_advance and not payable_in_advance(metric=metric, charge_model=spec.charge_model):
            errors.add(f"{path}.pay_in_advance", "invalid_aggregation_type_or_charge_model")
        properties = _checked_properties(errors, spec.charge_model, spec.properties, prefix=f"{path}.properties")
        filters = _check_charge_filters(errors, spec, metric, path=path)
        if metric is not None and properties is not None and filters is not None:
            checked.append(_CheckedCharge(spec=spec, billable_metric=metric, properties=properties, filters=filters))
    return checked


def payable_in_advance(*, metric: BillableMetric, charge_model: str) -> bool:
    """Lago bills in advance, event by event, only usage an event adds to (count, sum, unique count), and never a
    volume price, which reprices every unit as the volume grows."""
    return metric.aggregation_type in PAYABLE_IN_ADVANCE_AGGREGATIONS and charge_model != Charge.ChargeModel.VOLUME


def _checked_properties(errors: _Errors, charge_model: str, properties: Any, *, prefix: str) -> dict[str, Any] | None:
    try:
        return validate_charge_properties(charge_model, properties, prefix=prefix)
    except ValidationFailed as failure:
        errors.absorb(failure)
        return None


def charge_filter_keys_not_offered(*, billable_metric: BillableMetric, values: dict[str, list[str]]) -> list[str]:
    """The keys of a charge filter's `values` that name a filter, or a value, the metric does not offer."""
    offered = {metric_filter.key: set(metric_filter.values) for metric_filter in billable_metric.filters.all()}
    return [key for key, selected in values.items() if key not in offered or not set(selected) <= offered[key]]


def _check_charge_filters(
    errors: _Errors, spec: ChargeSpec, metric: BillableMetric | None, *, path: str
) -> tuple[tuple[ChargeFilterSpec, dict[str, Any]], ...] | None:
    """Each filter selects values the metric's filters offer, once per charge; its properties follow the model."""
    errors_before = len(errors)
    checked = []
    seen = []
    for index, charge_filter in enumerate(spec.filters):
        filter_path = f"{path}.filters.{index}"
        if not charge_filter.values:
            errors.add(f"{filter_path}.values", "value_is_mandatory")
        if metric is not None:
            for key in charge_filter_keys_not_offered(billable_metric=metric, values=charge_filter.values):
                errors.add(f"{filter_path}.values.{key}", "value_is_invalid")
        selection = {key: sorted(set(values)) for key, values in charge_filter.values.items()}
        if selection in seen:
            errors.add(f"{filter_path}.values", "value_already_exist")
        seen.append(selection)
        properties = _checked_properties(
            errors, spec.charge_model, charge_filter.properties, prefix=f"{filter_path}.properties"
        )
        checked.append((charge_filter, properties))
    return None if len(errors) > errors_before else tuple(checked)


def _save_with_unique_code(plan: Plan) -> None:
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationFailed.single("code", "value_already_exist") from None


def _commitment_set(plan: Plan, spec: MinimumCommitmentSpec) -> None:
    currency = str(plan.amount.currency)
    MinimumCommitment.objects.update_or_create(
        plan=plan,
        defaults={
            "amount": _money(spec.amount_cents, currency),
            "invoice_display_name": spec.invoice_display_name,
        },
    )


def _reexpress_amounts(plan: Plan, *, charges: Iterable[Charge]) -> None:
    """After a currency change, charges and commitment follow the plan's currency, keeping their cents."""
    currency = str(plan.amount.currency)
    for charge in charges:
        charge.min_amount = _reexpressed(charge.min_amount, currency)
        charge.save(update_fields=["min_amount", "min_amount_currency", "updated_at"])
    commitment = MinimumCommitment.objects.filter(plan=plan).first()
    if commitment is not None:
        commitment.amount = _reexpressed(commitment.amount, currency)
        commitment.save(update_fields=["amount", "amount_currency", "updated_at"])


def _charges_replace(
    plan: Plan, checked_charges: list[_CheckedCharge], *, existing: dict[uuid.UUID, Charge], taxes: dict[str, Tax]
) -> None:
    kept_ids = {checked.spec.id for checked in checked_charges if checked.spec.id is not None}
    Charge.objects.filter(plan=plan).exclude(id__in=kept_ids).delete()
    currency = str(plan.amount.currency)
    for checked in checked_charges:
        spec = checked.spec
        charge = existing.get(spec.id) if spec.id is not None else None
        if charge is None:
            charge = Charge(organization=plan.organization, plan=plan)
        charge.billable_metric = checked.billable_metric
        charge.charge_model = spec.charge_model
        charge.properties = checked.properties
        charge.pay_in_advance = spec.pay_in_advance
        charge.invoiceable = spec.invoiceable
        charge.prorated = spec.prorated
        charge.min_amount = _money(spec.min_amount_cents, currency)
        charge.invoice_display_name = spec.invoice_display_name
        charge.save()
        if spec.tax_codes is not None:
            charge.taxes.set(taxes[code] for code in spec.tax_codes)
        charge.filters.all().delete()
        ChargeFilter.objects.bulk_create(
            ChargeFilter(
                charge=charge,
                invoice_display_name=charge_filter.invoice_display_name,
                properties=properties,
                values=charge_filter.values,
            )
            for charge_filter, properties in checked.filters
        )
