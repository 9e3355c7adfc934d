import pytest

from tests.metering.contract.builders import Metering
from tests.metering.contract.stores import STORE_FACTORIES, StoreUnderTest


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store_under_test(request, db) -> StoreUnderTest:
    return STORE_FACTORIES[request.param](request)


@pytest.fixture
def event_store(store_under_test):
    return store_under_test.store


@pytest.fixture
def store_events(store_under_test):
    return store_under_test.store_events


@pytest.fixture
def metering(store_under_test, organization) -> Metering:
    """Stores and aggregates events of `organization` in the store under test."""
    return Metering(store_under_test, organization_id=organization.id)
