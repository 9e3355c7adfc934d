"""The Celery application: a composition root, like billing/urls.py. Nothing imports it but billing/__init__.

The beat schedule lives here, in code, so every deployment runs the same cycle.
"""

import os
from datetime import timedelta

from celery import Celery, signals
from celery.schedules import crontab

from billing.collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")

app = Celery("billing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect  # the main process (a solo pool's only one); forked children inherit the settings
@signals.worker_process_init.connect  # and each prefork child freezes what the pool built before forking it
def _tune_worker_process(**_kwargs) -> None:
    collector_tune()


app.conf.beat_schedule = {
    # ClickHouse store: acknowledged events move from the durable SQL inbox into ClickHouse in large batches
    # (a no-op with the SQL store).
    "flush-events": {
        "task": "metering.flush_events",
        "schedule": timedelta(seconds=5),
        "options": {"expires": 5},
    },
    # Pending subscriptions start, pending downgrades take over and ended subscriptions terminate.
    "activate-due-subscriptions": {
        "task": "plans.activate_due_subscriptions",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # The billing cycle: every subscription whose period ended (in its customer's timezone) is billed, one task per
    # batch; then drafts past their grace period finalize.
    "billing-tick": {
        "task": "invoicing.billing_tick",
        "schedule": crontab(minute=10),
        "options": {"expires": 3000},
    },
    # Outbound webhooks: failed deliveries whose retry is due (and any whose first task was lost) are queued again.
    "retry-webhooks": {
        "task": "billing.retry_webhooks",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},
    },
    # Dunning: declined payments whose retry is due (and charges Stripe could not answer) are charged again.
    "retry-due-payments": {
        "task": "payments.retry_due_payments",
        "schedule": crontab(minute=40),
        "options": {"expires": 3000},
    },
}
