"""Writes of the platform layer: organizations, API keys and admin membership."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from billing.models import ApiKey, Organization, OrganizationMember, Sequence
from billing.selectors import api_key_forget

API_KEY_PREFIX = "bk_"


@dataclass(frozen=True)
class IssuedApiKey:
    """The key row and its raw secret: the only moment the secret exists outside the caller's hands."""

    api_key: ApiKey
    raw_key: str


def api_key_issue(*, organization: Organization, name: str = "", expires_at: datetime | None = None) -> IssuedApiKey:
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=raw_key[: ApiKey.PREFIX_LENGTH],
        key_digest=ApiKey.digest(raw_key),
        expires_at=expires_at,
    )
    return IssuedApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    api_key_forget(api_key=api_key)
    return api_key


@transaction.atomic
def organization_create(
    *, name: str, default_currency: str = "USD", timezone_name: str = "UTC", **fields
) -> tuple[Organization, IssuedApiKey]:
    organization = Organization(name=name, default_currency=default_currency, timezone=timezone_name, **fields)
    organization.full_clean()
    organization.save()
    return organization, api_key_issue(organization=organization, name="default")


def organization_member_set(*, user, organization: Organization | None) -> None:
    if organization is None:
        OrganizationMember.objects.filter(user=user).delete()
        return
    OrganizationMember.objects.update_or_create(user=user, defaults={"organization": organization})


def sequence_next(*, organization: Organization, name: str) -> int:
    """The next value of a gapless counter; must run inside the caller's transaction."""
    return sequence_allocate(organization=organization, name=name, count=1)[0]


def sequence_allocate(*, organization: Organization, name: str, count: int) -> range:
    """The next `count` values of a gapless counter, under a row lock held until the caller's transaction ends:
    a rolled-back transaction gives its values back, so there are never gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_allocate must run inside a transaction")
    Sequence.objects.get_or_create(organization=organization, name=name)
    sequence = Sequence.objects.select_for_update().get(organization=organization, name=name)
    first = sequence.value + 1
    sequence.value += count
    sequence.save(update_fields=["value"])
    return range(first, first + count)
