from dataclasses import asdict

from celery import shared_task

from plans.services.subscriptions import subscriptions_activate_due


@shared_task(name="plans.activate_due_subscriptions")
def activate_due_subscriptions() -> dict[str, int]:
    """Starts pending subscriptions whose date has come, ends those past their ending_at and marks ended trials
    (safe to rerun)."""
    return asdict(subscriptions_activate_due())
