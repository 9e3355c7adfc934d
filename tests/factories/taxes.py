from decimal import Decimal

import factory

from taxes.models import Tax
from tests.factories.billing import OrganizationFactory


class TaxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tax

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Tax {n}")
    code = factory.Sequence(lambda n: f"tax_{n}")
    rate = Decimal("20")
