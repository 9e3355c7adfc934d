"""The Celery path end to end: a real worker on Redis runs the hourly tick, which fans out batch tasks that bill."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from billing.celery import app
from invoicing.models import Invoice
from invoicing.tasks import billing_tick
from tests.invoicing.billing_client import create_metric, create_plan, event, send_events, standard_charge, subscribe

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process shares the test database"),
]
ROOT = Path(__file__).resolve().parents[2]
SUBSCRIPTIONS = 5


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    assert url, "make test starts Redis and sets REDIS_URL"
    return url.rsplit("/", 1)[0] + "/3"  # a database of its own: the broker queue


@pytest.fixture
def worker(redis_url, tmp_path):
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),  # the worker renders the invoices' PDFs
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "billing",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_the_tick_fans_out_batches_and_a_worker_bills_each_subscription_once(api, worker, redis_url):
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, charges=[standard_charge(metric, amount="1")])
    for number in range(SUBSCRIPTIONS):
        subscribe(api, external_id=f"sub_{number}", customer=f"cust_{number}", at=datetime(2022, 3, 1, tzinfo=UTC))
    send_events(
        api,
        [
            event(f"t{n}", datetime(2022, 3, 10, tzinfo=UTC), subscription=f"sub_{n}", calls=n)
            for n in range(SUBSCRIPTIONS)
        ],
    )

    at = "2022-04-01T01:00:00+00:00"
    with app.connection_for_write(redis_url) as broker:
        # Twice, with batches of 2: a duplicated tick must still give exactly one invoice per subscription.
        billing_tick.apply_async(args=[at, 2], connection=broker)
        billing_tick.apply_async(args=[at, 2], connection=broker)

    deadline = time.monotonic() + 60
    while Invoice.objects.count() < SUBSCRIPTIONS and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # let the duplicate tick's batches land: they must add nothing

    totals = sorted(Invoice.objects.values_list("total_amount", flat=True))
    assert totals == [Decimal("31.00") + n for n in range(SUBSCRIPTIONS)]
    assert worker.poll() is None
