import pytest
from celery import current_app

from billing.webhooks.services import webhook_endpoint_create
from invoicing import hooks
from invoicing.webhooks import register_invoice_webhooks
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def endpoint(organization, receiver):
    """An endpoint of Acme for every webhook type, at the test's receiver."""
    return webhook_endpoint_create(organization=organization, webhook_url=receiver.url)


@pytest.fixture
def eager_tasks():
    """Celery tasks run inline, where they are queued (after commit, with django_capture_on_commit_callbacks)."""
    conf = current_app.conf
    previous = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = previous


@pytest.fixture
def only_webhook_invoice_listeners(monkeypatch):
    """Invoice hooks call only the webhooks' listeners: no PDF rendering or payment collection in these tests."""
    monkeypatch.setattr(hooks, "_listeners", hooks.defaultdict(list))
    register_invoice_webhooks()


@pytest.fixture
def committed(django_capture_on_commit_callbacks, eager_tasks):
    """Runs the block's after-commit work (queued deliveries) as if its transaction had committed."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
