import pytest

from customers.models import Customer
from tests.factories.customers import CustomerFactory

FULL_PAYLOAD = {
    "external_id": "cust_full",
    "name": "Acme Corp",
    "firstname": "Ada",
    "lastname": "Lovelace",
    "customer_type": "company",
    "email": "billing@acme.test",
    "phone": "+33 1 23 45 67 89",
    "url": "https://acme.test",
    "legal_name": "Acme Corporation SAS",
    "legal_number": "123 456 789",
    "tax_identification_number": "FR12345678901",
    "address_line1": "5 rue de la Paix",
    "address_line2": "Floor 2",
    "city": "Paris",
    "state": "Ile-de-France",
    "zipcode": "75002",
    "country": "FR",
    "currency": "EUR",
    "timezone": "Europe/Paris",
    "net_payment_term": 30,
    "metadata": [
        {"key": "crm_id", "value": "42", "display_in_invoice": True},
        {"key": "segment", "value": "smb"},
    ],
    "billing_configuration": {
        "invoice_grace_period": 3,
        "payment_provider": "stripe",
        "provider_customer_id": "cus_123",
        "sync_with_provider": True,
        "document_locale": "fr",
    },
}


def upsert(client, **customer):
    return client.post("/api/v1/customers", {"customer": customer}, format="json")


@pytest.fixture
def customer(organization) -> Customer:
    return CustomerFactory(organization=organization, external_id="cust_1", name="First")
