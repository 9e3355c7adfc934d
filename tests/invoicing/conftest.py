from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone


class Clock:
    """A settable `timezone.now()`, from the real time until `set`: billing periods and event ages depend on it.

    Each reading moves a microsecond on, so that rows keep the order they were created in; responses render whole
    seconds, so the drift never shows in them.
    """

    def __init__(self, at: datetime):
        self.at = at

    def set(self, *parts: int) -> None:
        self.at = datetime(*parts, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(microseconds=1)
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
