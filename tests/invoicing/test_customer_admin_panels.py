"""The customer's admin page shows current usage and the latest invoices, rendered by invoicing."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from customers.models import Customer
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    send_events,
    standard_charge,
    subscribe,
)

pytestmark = pytest.mark.django_db


def test_the_customer_page_shows_current_usage_and_invoices(api, admin_client, clock):
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, charges=[standard_charge(metric, amount="2")])
    subscribe(api, at=datetime(2026, 2, 1, tzinfo=UTC))
    clock.set(2026, 3, 10)
    send_events(api, [event("t1", datetime(2026, 3, 5, tzinfo=UTC), calls=3)])
    bill(datetime(2026, 3, 1, 1, tzinfo=UTC))
    customer = Customer.objects.get(external_id="cust_1")

    page = admin_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Current usage" in html
    assert "api_calls: 3 units, 6.00 USD" in html  # 3 x 2.00 so far in March
    assert "2026-03-01 to 2026-04-01" in html
    assert "31.00 USD" in html  # February's invoice in the latest invoices
