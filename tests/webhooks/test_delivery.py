"""Delivery to a real receiver: Lago's body and headers, a verifiable signature, retries with backoff after a 500 or
a timeout, a log of every attempt, idempotent tasks and the admin's resend."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import override_settings

from billing.webhooks.delivery import webhook_delivery_attempt, webhook_retry_delay
from billing.webhooks.models import WebhookDelivery
from billing.webhooks.services import webhook_delivery_resend, webhook_emit, webhook_endpoint_create
from billing.webhooks.signing import hmac_signature, hmac_signature_valid
from billing.webhooks.tasks import deliver_webhook, retry_webhooks
from tests.webhooks.receiver import Reply

pytestmark = pytest.mark.django_db

PAYLOAD = {"lago_id": "0b6b2c5e-3f1a-4c37-9a52-4f1f8f0c7a11", "external_id": "cust_1", "name": "Zoë"}


def emit(organization, webhook_type="customer.created", payload=PAYLOAD):
    webhook_emit(organization=organization, webhook_type=webhook_type, object_type="customer", payload=payload)


def attempt_when_due(delivery: WebhookDelivery) -> WebhookDelivery:
    delivery.refresh_from_db()
    return webhook_delivery_attempt(delivery_id=delivery.pk, at=delivery.next_attempt_at)


def test_a_delivery_carries_lagos_body_and_a_signature_the_receiver_verifies(
    organization, endpoint, receiver, committed
):
    with committed():
        emit(organization)

    [request] = receiver.received
    assert request.path == "/webhooks"
    assert request.json == {
        "webhook_type": "customer.created",
        "object_type": "customer",
        "organization_id": str(organization.id),
        "customer": PAYLOAD,
    }
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Lago-Signature-Algorithm"] == "hmac"
    assert hmac_signature_valid(
        body=request.body, key=organization.webhook_hmac_key, signature=request.headers["X-Lago-Signature"]
    )
    assert not hmac_signature_valid(body=request.body, key="another key", signature=request.headers["X-Lago-Signature"])
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-Lago-Unique-Key"] == str(delivery.unique_key)
    assert request.body == delivery.body.encode()  # the logged body is the one signed and sent, byte for byte
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert [(a.number, a.response_code, a.succeeded) for a in delivery.attempt_log.all()] == [(1, 200, True)]


def test_nothing_is_sent_before_the_transaction_commits(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emit(organization)
    assert len(callbacks) == 1 and receiver.received == []
    assert WebhookDelivery.objects.get().status == "pending"


@override_settings(WEBHOOK_TIMEOUT_SECONDS=0.5, WEBHOOK_RETRY_DELAYS_SECONDS=[60, 300, 1800])
def test_a_500_and_a_timeout_are_retried_with_backoff_then_delivered(organization, endpoint, receiver, committed):
    receiver.answer(Reply(status=500), Reply(delay=1.5))
    with committed():
        emit(organization)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("pending", 1, 500)
    first_retry_in = delivery.next_attempt_at - delivery.attempt_log.get().started_at
    assert timedelta(seconds=60) <= first_retry_in < timedelta(seconds=65)

    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None  # not due yet: nothing sent
    assert len(receiver.received) == 1

    delivery = attempt_when_due(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_response_code, delivery.last_error) == (
        "pending",
        2,
        None,
        "timeout",
    )
    second_retry_in = delivery.next_attempt_at - delivery.attempt_log.last().started_at
    assert timedelta(seconds=300) <= second_retry_in < timedelta(seconds=305)

    delivery = attempt_when_due(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("succeeded", 3, 200)
    log = [(a.number, a.response_code, a.error[:8], a.succeeded) for a in delivery.attempt_log.all()]
    assert log == [(1, 500, "HTTP 500", False), (2, None, "timeout", False), (3, 200, "", True)]
    # Every attempt sends the same signed body with the same unique key, so the receiver can deduplicate.
    assert (
        len({(r.body, r.headers["X-Lago-Signature"], r.headers["X-Lago-Unique-Key"]) for r in receiver.received}) == 1
    )


@override_settings(WEBHOOK_RETRY_DELAYS_SECONDS=[60])
def test_a_delivery_fails_after_its_last_retry(organization, endpoint, receiver, committed):
    receiver.answer(Reply(status=500), Reply(status=503))
    with committed():
        emit(organization)
    delivery = attempt_when_due(WebhookDelivery.objects.get())
    assert (delivery.status, delivery.attempts, delivery.last_response_code, delivery.next_attempt_at) == (
        "failed",
        2,
        503,
        None,
    )
    assert deliver_webhook(str(delivery.pk)) is None and len(receiver.received) == 2


def test_a_redirect_is_an_answer_not_followed(organization, endpoint, receiver, committed):
    receiver.answer(Reply(status=302))
    with committed():
        emit(organization)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_response_code) == ("pending", 302)
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_recorded_and_retried(organization, committed):
    webhook_endpoint_create(organization=organization, webhook_url="http://127.0.0.1:9/closed")
    with committed():
        emit(organization)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_response_code is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


def test_a_task_run_twice_sends_once(organization, endpoint, receiver, committed):
    with committed():
        emit(organization)
    delivery = WebhookDelivery.objects.get()
    assert deliver_webhook(str(delivery.pk)) is None
    assert deliver_webhook(str(delivery.pk)) is None
    assert len(receiver.received) == 1 and WebhookDelivery.objects.get().attempts == 1


def test_resend_makes_a_new_attempt_now(organization, endpoint, receiver, committed):
    with committed():
        emit(organization)
    delivery = WebhookDelivery.objects.get()
    with committed():
        webhook_delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [a.number for a in delivery.attempt_log.all()] == [1, 2]
    assert len(receiver.received) == 2 and receiver.received[0].body == receiver.received[1].body


def test_the_retry_sweep_queues_due_deliveries_only(
    organization, endpoint, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        emit(organization)  # its first task was lost: the sweep sends it
        emit(organization, webhook_type="customer.updated")
    WebhookDelivery.objects.filter(webhook_type="customer.updated").update(
        next_attempt_at=WebhookDelivery.objects.get(webhook_type="customer.created").next_attempt_at
        + timedelta(hours=1)
    )
    assert retry_webhooks() == 1
    assert [request.json["webhook_type"] for request in receiver.received] == ["customer.created"]
    assert retry_webhooks() == 0


def test_each_endpoint_gets_only_the_types_it_wants(organization, receiver, committed):
    webhook_endpoint_create(
        organization=organization, webhook_url=receiver.url + "/invoices", event_types=["invoice.created"]
    )
    webhook_endpoint_create(organization=organization, webhook_url=receiver.url + "/all")
    with committed():
        emit(organization, webhook_type="customer.created")
    assert [request.path for request in receiver.received] == ["/webhooks/all"]
    assert WebhookDelivery.objects.count() == 1


def test_no_endpoint_no_delivery_and_no_query_once_known(organization, django_assert_num_queries):
    emit(organization)
    with django_assert_num_queries(0):
        emit(organization)
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_added_later_is_seen_at_once(organization, receiver, committed):
    emit(organization)  # memoizes "no endpoint"
    webhook_endpoint_create(organization=organization, webhook_url=receiver.url)
    with committed():
        emit(organization)
    assert len(receiver.received) == 1


def test_an_unknown_webhook_type_is_a_programming_error(organization):
    with pytest.raises(ValueError):
        emit(organization, webhook_type="customer.exploded")


def test_the_body_keeps_non_ascii_text_as_sent(organization, endpoint, receiver, committed):
    with committed():
        emit(organization)
    assert "Zoë".encode() in receiver.received[0].body
    assert json.loads(receiver.received[0].body)["customer"]["name"] == "Zoë"


@pytest.mark.parametrize(
    ("body", "key", "hex_digest"),
    [
        # Published HMAC-SHA256 values (e.g. Wikipedia's HMAC article); Lago sends their base64.
        (b"", "key", "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"),
        (
            b"The quick brown fox jumps over the lazy dog",
            "key",
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        ),
    ],
)
def test_hmac_signature_worked_examples(body, key, hex_digest):
    signature = base64.b64encode(bytes.fromhex(hex_digest)).decode()
    assert hmac_signature(body=body, key=key) == signature
    assert hmac_signature_valid(body=body, key=key, signature=signature)
    assert not hmac_signature_valid(body=body + b" ", key=key, signature=signature)


@override_settings(WEBHOOK_RETRY_DELAYS_SECONDS=[60, 300, 1800, 7200, 43200])
@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (5, timedelta(hours=12)),
        (6, None),
    ],
)
def test_retry_delays(attempts, delay):
    assert webhook_retry_delay(attempts=attempts) == delay
