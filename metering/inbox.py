"""The ClickHouse store's inbox for operators: what waits to be forwarded, and forwarding it now.

The SQL store writes events where they are read and has no inbox: these refuse it with NoInbox.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from billing.models import Organization
from metering.stores import get_event_store
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.inbox import OrganizationInbox


class NoInbox(Exception):
    """The configured event store is the SQL store."""


@dataclass(frozen=True)
class InboxRow:
    organization_name: str | None  # None: an organization deleted since
    inbox: OrganizationInbox


def inbox_status() -> list[InboxRow]:
    """Every organization the inbox knows, the ones with events waiting first (the oldest waiting first)."""
    statuses = _store().inbox.status()
    names = dict(
        Organization.objects.filter(id__in=[status.organization_id for status in statuses]).values_list("id", "name")
    )
    rows = [InboxRow(names.get(UUID(status.organization_id)), status) for status in statuses]
    return sorted(
        rows,
        key=lambda row: (
            row.inbox.waiting == 0,
            row.inbox.oldest_waiting_at is None,
            row.inbox.oldest_waiting_at,
            row.organization_name or "",
        ),
    )


def inbox_flush(
    *, organization_ids: list[str] | None = None, on_organization: Callable[[str, int], None] | None = None
) -> int:
    """Forwards the waiting events of the organizations (all that have some by default) to ClickHouse, each after any
    flush running for it, and returns how many were forwarded. Raises ServiceUnavailable when ClickHouse or the
    inbox's Redis cannot be reached (what was forwarded until then stays forwarded)."""
    store = _store()
    if organization_ids is None:
        organization_ids = [status.organization_id for status in store.inbox.status() if status.waiting]
    forwarded = 0
    for organization_id in organization_ids:
        settled = store.flush(organization_id=UUID(organization_id), wait_for_locked=True)
        forwarded += settled
        if on_organization is not None:
            on_organization(organization_id, settled)
    return forwarded


def _store() -> ClickHouseEventStore:
    store = get_event_store()
    if not isinstance(store, ClickHouseEventStore):
        raise NoInbox("the SQL event store (CLICKHOUSE_URL unset) writes events where they are read: it has no inbox")
    return store
