"""Usage versions: a token per subscription that changes whenever its usage may have changed.

Ingestion bumps it after the events are stored, so anything cached under the previous token (current usage) is
never served again. The tokens live in Django's cache (Redis in production). A cache outage never refuses
ingestion; readers then compute without caching.
"""

import contextlib
import hashlib
import uuid
from collections.abc import Iterable
from uuid import UUID

import structlog
from django.core.cache import cache

logger = structlog.get_logger(__name__)
VERSION_TTL_SECONDS = 7 * 86_400


def _key(organization_id: UUID, external_subscription_id: str) -> str:
    # A digest, not the id itself: ids are any text up to 255 characters (spaces, control characters), which a cache
    # key must not carry.
    digest = hashlib.blake2b(external_subscription_id.encode(), digest_size=16).hexdigest()
    return f"usage-version:{organization_id}:{digest}"


def usage_changed(*, organization_id: UUID, external_subscription_ids: Iterable[str]) -> None:
    token = uuid.uuid4().hex
    keys = {_key(organization_id, external_id): token for external_id in set(external_subscription_ids)}
    try:
        if len(keys) == 1:  # a batch mostly has one subscription: one SET, where set_many pipelines a SET and an EXPIRE
            [(key, value)] = keys.items()
            cache.set(key, value, timeout=VERSION_TTL_SECONDS)
        else:
            cache.set_many(keys, timeout=VERSION_TTL_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is an optimisation; readers fall back to computing
        logger.warning("usage_version.bump_failed", organization_id=str(organization_id), exc_info=True)
        with contextlib.suppress(Exception):
            cache.delete_many(list(keys))


def usage_version(*, organization_id: UUID, external_subscription_id: str) -> str | None:
    """The current token, a new one when none is known yet, or None when the cache cannot be reached."""
    key = _key(organization_id, external_subscription_id)
    try:
        token = cache.get(key)
        if token is None:
            token = uuid.uuid4().hex
            # add: a concurrent bump must win over this first token
            if not cache.add(key, token, timeout=VERSION_TTL_SECONDS):
                token = cache.get(key)
        return token
    except Exception:  # noqa: BLE001
        logger.warning("usage_version.read_failed", exc_info=True)
        return None
