"""Which provider collects a customer's invoices: its billing configuration's payment_provider, with the
organization's Stripe account for Stripe. None when nothing is to be collected."""

from customers.models import Customer
from payments.models import Provider, StripeAccount
from payments.providers.base import PaymentProvider
from payments.providers.manual import ManualProvider
from payments.providers.stripe import StripeProvider


def provider_for(*, customer: Customer) -> PaymentProvider | None:
    if customer.payment_provider == Provider.MANUAL:
        return ManualProvider()
    if customer.payment_provider == Provider.STRIPE:
        account = StripeAccount.objects.filter(organization_id=customer.organization_id).first()
        return StripeProvider(account) if account is not None else None
    return None


def provider_named(*, name: str, organization_id) -> PaymentProvider | None:
    """The provider that made a payment, to refund it."""
    if name == Provider.MANUAL:
        return ManualProvider()
    account = StripeAccount.objects.filter(organization_id=organization_id).first()
    return StripeProvider(account) if account is not None else None
