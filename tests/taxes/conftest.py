from decimal import Decimal

import pytest

from tests.factories.plans import BillableMetricFactory
from tests.factories.taxes import TaxFactory


@pytest.fixture
def vat(organization):
    return TaxFactory(organization=organization, code="vat_fr", name="TVA", rate=Decimal("20"))


@pytest.fixture
def reduced_vat(organization):
    return TaxFactory(organization=organization, code="vat_fr_reduced", name="TVA réduite", rate=Decimal("5.5"))


@pytest.fixture
def metric(organization):
    return BillableMetricFactory(organization=organization, code="api_calls", field_name="calls")


@pytest.fixture
def plan_body(metric):
    """plan_body(**fields) -> a valid plan payload with one standard charge; `charge` fields go to that charge."""

    def make(charge: dict | None = None, **fields) -> dict:
        standard = {"billable_metric_id": str(metric.id), "charge_model": "standard", "properties": {"amount": "1"}}
        return {
            "name": "Basic",
            "code": "basic",
            "interval": "monthly",
            "amount_cents": 1000,
            "amount_currency": "EUR",
            "charges": [standard | (charge or {})],
            **fields,
        }

    return make
