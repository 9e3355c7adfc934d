"""Routes outside /api/v1: Stripe's webhooks (signed by Stripe, no API key) and the customers' payment page."""

from django.urls import path

from payments.api.views import stripe_webhook
from payments.pages import payment_authentication

urlpatterns = [
    path("webhooks/stripe/", stripe_webhook, name="stripe-webhook"),
    path("pay/<str:token>/", payment_authentication, name="payment-authentication"),
]
