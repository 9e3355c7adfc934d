import pytest
from rest_framework.test import APIClient

from tests.factories.billing import OrganizationFactory, issue_key


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
