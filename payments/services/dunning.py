"""The dunning schedule: when a declined payment is tried again, and when it is given up on."""

from collections.abc import Sequence
from datetime import datetime, timedelta


def retry_at(*, first_declined_at: datetime, declines: int, delays_days: Sequence[int]) -> datetime | None:
    """After the `declines`-th decline (1 for the first charge's), the next retry is `delays_days[declines - 1]` days
    after the first decline; None once every retry was declined: the invoice is overdue."""
    if declines < 1:
        raise ValueError("retry_at follows a decline")
    if declines > len(delays_days):
        return None
    return first_declined_at + timedelta(days=delays_days[declines - 1])
