"""Admin actions that call a service once per selected row and report each refusal instead of failing the request."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages

from billing.errors import DomainError


def apply_service(
    model_admin: admin.ModelAdmin, request, rows: Iterable, service: Callable, *, keyword: str, done: str, noun: str
) -> int:
    """Calls service(**{keyword: row}) for each row; refusals (DomainError) become error messages. Returns changes."""
    changed = 0
    for row in rows:
        try:
            service(**{keyword: row})
        except DomainError as exc:
            model_admin.message_user(request, f"{row}: {exc}", messages.ERROR)
        else:
            changed += 1
    model_admin.message_user(request, f"{done} {changed} {noun}(s).", messages.SUCCESS)
    return changed
