"""Reads of the platform layer."""

import hmac
from datetime import timedelta

from django.utils import timezone

from billing.models import ApiKey, Organization

# last_used_at is bookkeeping, not an audit log: writing it on every request would put a write on the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The usable key matching raw_key, or None. Compares digests in constant time."""
    if len(raw_key) < ApiKey.PREFIX_LENGTH:
        return None
    now = timezone.now()
    api_key = (
        ApiKey.objects.usable(at=now)
        .select_related("organization")
        .filter(prefix=raw_key[: ApiKey.PREFIX_LENGTH])
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_digest, ApiKey.digest(raw_key)):
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def organization_for_user(*, user) -> Organization | None:
    """The organization a staff user is confined to in the admin, or None for an unconfined superuser."""
    membership = getattr(user, "organization_membership", None)
    return membership.organization if membership else None
