from plans.models.metrics import BillableMetric, BillableMetricFilter
from plans.models.plans import Charge, ChargeFilter, MinimumCommitment, Plan
from plans.models.subscriptions import Subscription

__all__ = [
    "BillableMetric",
    "BillableMetricFilter",
    "Charge",
    "ChargeFilter",
    "MinimumCommitment",
    "Plan",
    "Subscription",
]
