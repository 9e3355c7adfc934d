import factory

from billing.models import Organization
from billing.services import api_key_issue


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    default_currency = "USD"
    timezone = "UTC"


def issue_key(organization: Organization, **kwargs) -> str:
    return api_key_issue(organization=organization, **kwargs).raw_key
