"""Plain SQL reads for the ingestion hot path, where every batch reads its subscriptions and metrics.

Building each of those one-row ORM queries cost the web process 0.6 ms of CPU, four times the round trip to the
database: about a sixth of a 100-event request. The same statement written once here costs 0.15 ms. Values come
back as the ORM gives them on every database (UUIDs and aware datetimes on SQLite too).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.utils.dateparse import parse_datetime


def plain_rows(
    model: type[models.Model],
    fields: Sequence[str],
    *,
    organization_id: UUID,
    among: tuple[str, Iterable[str]],
    order_by: str | None = None,
) -> list[tuple]:
    """The `fields` of the organization's rows whose field among[0] is one of among[1] (a foreign key's field gives
    the related id), ordered by one field if asked."""
    field_name, values = among
    values = list(dict.fromkeys(values))
    if not values:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    selected = [meta.get_field(name) for name in fields]
    organization = meta.get_field("organization")
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in selected)} FROM {quote(meta.db_table)} "
        f"WHERE {quote(organization.column)} = %s "
        f"AND {quote(meta.get_field(field_name).column)} IN ({', '.join(['%s'] * len(values))})"
    )
    if order_by is not None:
        sql += f" ORDER BY {quote(meta.get_field(order_by).column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.get_db_prep_value(organization_id, connection), *values])
        rows = cursor.fetchall()
    converters = [_converter(field) for field in selected]
    if not any(converters):
        return rows
    return [
        tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=True))
        for row in rows
    ]


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    kind = field.target_field.get_internal_type() if field.is_relation else field.get_internal_type()
    if kind == "UUIDField":
        return _uuid
    if kind == "DateTimeField":
        return _aware
    return None


def _uuid(value: Any) -> UUID | None:
    return value if value is None or isinstance(value, UUID) else UUID(value)


def _aware(value: Any) -> datetime | None:
    """SQLite hands back text (or naive datetimes) in UTC; PostgreSQL aware datetimes."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
