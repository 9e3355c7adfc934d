"""Plain SQL reads for the ingestion hot path, where every batch reads its subscriptions and metrics.

Building each of those one-row ORM queries cost the web process 0.6 ms of CPU, four times the round trip to the
database: about a sixth of a 100-event request. The same statement written once here costs 0.15 ms. Values come
back as the ORM gives them on every database (UUIDs and aware datetimes on SQLite too).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class PlainQuery:
    """The `fields` of the organization's rows whose field among[0] is one of among[1] (a foreign key's field gives
    the related id), ordered by one field if asked."""

    model: type[models.Model]
    fields: Sequence[str]
    organization_id: UUID
    among: tuple[str, Iterable[str]]
    order_by: str | None = None

    def statement(self) -> tuple[str, list, list[Callable | None]] | None:
        """(SQL, parameters, a converter per field), or None when no value is asked for."""
        field_name, values = self.among
        values = list(dict.fromkeys(values))
        if not values:
            return None
        meta, quote = self.model._meta, connection.ops.quote_name
        selected = [meta.get_field(name) for name in self.fields]
        organization = meta.get_field("organization")
        sql = (
            f"SELECT {', '.join(quote(field.column) for field in selected)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(organization.column)} = %s "
            f"AND {quote(meta.get_field(field_name).column)} IN ({', '.join(['%s'] * len(values))})"
        )
        if self.order_by is not None:
            sql += f" ORDER BY {quote(meta.get_field(self.order_by).column)}"
        parameters = [organization.get_db_prep_value(self.organization_id, connection), *values]
        return sql, parameters, [_converter(field) for field in selected]


def plain_rows(
    model: type[models.Model],
    fields: Sequence[str],
    *,
    organization_id: UUID,
    among: tuple[str, Iterable[str]],
    order_by: str | None = None,
) -> list[tuple]:
    """One PlainQuery's rows."""
    [rows] = plain_rows_together(PlainQuery(model, fields, organization_id, among, order_by))
    return rows


def plain_rows_together(*queries: PlainQuery) -> list[list[tuple]]:
    """The rows of each query. On PostgreSQL the statements go in one round trip (psycopg binds parameters on the
    client, which allows several statements per execute): a batch's two reads cost half the CPU and wall time."""
    statements = [query.statement() for query in queries]
    runnable = [statement for statement in statements if statement is not None]
    answers = iter(
        _run_together(runnable) if _several_per_execute() else [_run(*statement[:2]) for statement in runnable]
    )
    results = []
    for statement in statements:
        if statement is None:
            results.append([])
            continue
        rows, converters = next(answers), statement[2]
        results.append(rows if not any(converters) else [_converted(row, converters) for row in rows])
    return results


def _several_per_execute() -> bool:
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def _run(sql: str, parameters: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall()


def _run_together(statements: list[tuple[str, list, list]]) -> list[list[tuple]]:
    if len(statements) < 2:
        return [_run(*statement[:2]) for statement in statements]
    with connection.cursor() as cursor:
        cursor.execute(
            "; ".join(sql for sql, _parameters, _converters in statements),
            [parameter for _sql, parameters, _converters in statements for parameter in parameters],
        )
        answers = [cursor.fetchall()]
        while cursor.nextset():
            answers.append(cursor.fetchall())
    return answers


def _converted(row: tuple, converters: list[Callable | None]) -> tuple:
    return tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=True))


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
