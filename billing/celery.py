"""The Celery application: a composition root, like billing/urls.py. Nothing imports it but billing/__init__.

The beat schedule lives here, in code, so every deployment runs the same cycle.
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")

app = Celery("billing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
}
