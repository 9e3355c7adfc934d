import pytest
from rest_framework.test import APIClient

from billing.celery import app as celery_app
from tests.factories.billing import OrganizationFactory, issue_key


@pytest.fixture(autouse=True)
def isolated_side_effects(settings, tmp_path, monkeypatch):
    """Tasks enqueued after a commit (PDFs, webhooks, payments) go to an in-memory broker nobody consumes, and files
    land in a temporary MEDIA_ROOT: a test's side effects never reach var/. Tests that run a real worker set their
    own broker."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setitem(celery_app.conf, "broker_url", "memory://")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Globex")


def _client_for(organization) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_key(organization)}")
    client.default_format = "json"
    return client


@pytest.fixture
def api(organization) -> APIClient:
    """An API client authenticated with a key of `organization`."""
    return _client_for(organization)


@pytest.fixture
def other_api(other_organization) -> APIClient:
    """An API client authenticated with a key of another organization, for isolation tests."""
    return _client_for(other_organization)
