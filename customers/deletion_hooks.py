"""Higher apps register what must happen to their rows before a customer is deleted.

customers sits below plans, so it cannot terminate subscriptions itself; plans registers a hook in its AppConfig.ready.
A hook runs inside the deletion's transaction and may raise billing.errors.NotAllowed to refuse the deletion.
"""

from collections.abc import Callable

_hooks: list[Callable] = []


def register_customer_deletion_hook(hook: Callable) -> None:
    """hook(*, customer, at) is called inside the deletion transaction, before the customer is marked deleted."""
    if hook not in _hooks:
        _hooks.append(hook)


def run_customer_deletion_hooks(*, customer, at) -> None:
    for hook in _hooks:
        hook(customer=customer, at=at)
