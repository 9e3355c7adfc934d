"""Panels higher apps add to the customer's admin page (current usage, invoices) without customers importing them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class CustomerPanel:
    title: str
    render: Callable[..., SafeString]  # render(customer) -> HTML, escaped by the renderer (format_html)


_panels: list[CustomerPanel] = []


def register_customer_panel(*, title: str, render: Callable[..., SafeString]) -> None:
    if all(panel.title != title for panel in _panels):
        _panels.append(CustomerPanel(title=title, render=render))


def customer_panels() -> tuple[CustomerPanel, ...]:
    return tuple(_panels)
