import factory

from customers.models import Customer
from customers.services import customer_upsert
from tests.factories.billing import OrganizationFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    """Customers made through customer_upsert, so that sequential ids and slugs come from the real counter."""

    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"cust_{n:04d}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    currency = "USD"
    country = "FR"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer, _created = customer_upsert(**kwargs)
        return customer
