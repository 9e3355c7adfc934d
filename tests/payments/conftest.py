import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import current_app

from billing.webhooks.models import WebhookDelivery
from payments.providers.stripe import stripe_client
from tests.factories.payments import StripeAccountFactory
from tests.factories.webhooks import WebhookEndpointFactory

LAUNCHER = Path(__file__).resolve().parents[2] / "scripts" / "localstripe_loopback.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stripe_api_base():
    """localstripe: the one the test harness started (STRIPE_API_BASE), or one of this session's own."""
    if os.environ.get("STRIPE_API_BASE"):
        yield os.environ["STRIPE_API_BASE"]
        return
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def stripe_settings(settings, stripe_api_base, monkeypatch):
    settings.STRIPE_API_BASE = stripe_api_base
    settings.STRIPE_TIMEOUT_SECONDS = 5
    # Tasks that committed changes enqueue (e.g. the webhooks app's) run in the test's process.
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)


@pytest.fixture
def stripe_account(organization):
    return StripeAccountFactory(organization=organization)


@pytest.fixture
def stripe_sdk(stripe_account):
    """The SDK client of the organization's account, to set up and read objects at (local)Stripe."""
    return stripe_client(secret_key=stripe_account.secret_key)


@pytest.fixture
def emitted(organization):
    """The outbound webhooks recorded for an endpoint of the organization that wants every type, as (type, body)."""
    endpoint = WebhookEndpointFactory(organization=organization)

    def read() -> list[tuple[str, str]]:
        return list(
            WebhookDelivery.objects.filter(endpoint=endpoint).order_by("created_at").values_list("webhook_type", "body")
        )

    return read
