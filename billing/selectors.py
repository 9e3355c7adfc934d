"""Reads of the platform layer."""

import hmac
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billing.models import ApiKey, Organization

# last_used_at is bookkeeping, not an audit log: writing it on every request would put a write on the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_MAX_CACHED_KEYS = 1024

# Keys recently authenticated by this process, by digest: (key with its organization, monotonic time of the lookup).
# Authentication was a fifth of an ingestion request; a revocation reaches other processes within the cache's TTL.
_recent_keys: dict[str, tuple[ApiKey, float]] = {}


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The usable key matching raw_key, or None. Compares digests in constant time."""
    if len(raw_key) < ApiKey.PREFIX_LENGTH:
        return None
    now = timezone.now()
    digest = ApiKey.digest(raw_key)
    api_key = _cached_key(digest, now=now) or _stored_key(raw_key, digest, now=now)
    if api_key is None:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def _cached_key(digest: str, *, now) -> ApiKey | None:
    cached = _recent_keys.get(digest)
    if cached is None:
        return None
    api_key, looked_up_at = cached
    if time.monotonic() - looked_up_at > settings.API_KEY_CACHE_SECONDS or (
        api_key.expires_at is not None and api_key.expires_at <= now
    ):
        _recent_keys.pop(digest, None)
        return None
    return api_key


def _stored_key(raw_key: str, digest: str, *, now) -> ApiKey | None:
    api_key = (
        ApiKey.objects.usable(at=now)
        .select_related("organization")
        .filter(prefix=raw_key[: ApiKey.PREFIX_LENGTH])
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_digest, digest):
        return None
    if settings.API_KEY_CACHE_SECONDS > 0:
        if len(_recent_keys) >= _MAX_CACHED_KEYS:
            _recent_keys.clear()
        _recent_keys[digest] = (api_key, time.monotonic())
    return api_key


def api_key_forget(*, api_key: ApiKey) -> None:
    """Drops a key from this process's cache (on revocation)."""
    _recent_keys.pop(api_key.key_digest, None)


def organization_for_user(*, user) -> Organization | None:
    """The organization a staff user is confined to in the admin, or None for an unconfined superuser."""
    membership = getattr(user, "organization_membership", None)
    return membership.organization if membership else None
