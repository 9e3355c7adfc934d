"""Outbound webhooks in Lago's wire format: the platform-layer entry point every app emits through."""

from billing.webhooks.selectors import webhook_wanted
from billing.webhooks.services import webhook_emit

__all__ = ["webhook_emit", "webhook_wanted"]
