import factory

from billing.webhooks.models import WebhookEndpoint
from tests.factories.billing import OrganizationFactory


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """Made through the ORM: tests of the services' rules go through the API instead."""

    class Meta:
        model = WebhookEndpoint

    organization = factory.SubFactory(OrganizationFactory)
    webhook_url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    event_types = factory.LazyFunction(list)
