"""Bulk inserts of unsaved model instances through PostgreSQL's COPY: the billing cycle writes several rows per
invoice, and Django's bulk_create spends most of its time building one huge INSERT (about three times COPY's cost).

Constraints are checked as for an INSERT: a unique violation raises django.db.IntegrityError and the caller's
transaction rolls back. Other databases (SQLite, the embedded default) use bulk_create.
"""

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import connection, models
from psycopg.types.json import Jsonb


def instances_insert(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """Inserts `instances` (primary keys already set, as UUIDs are) in one statement; auto_now fields are filled."""
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)
        return
    fields = list(model._meta.concrete_fields)
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    columns = [(field.attname, _converter(field)) for field in fields]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(statement) as copy,
    ):
        for instance in instances:
            for field in stamped:
                field.pre_save(instance, add=True)
            copy.write_row([convert(getattr(instance, attname)) for attname, convert in columns])
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def _as_is(value: Any) -> Any:
    return value


def _file_name(value: Any) -> str:
    return value.name or ""


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How a field's Python value is handed to psycopg: most types adapt natively."""
    if isinstance(field, models.JSONField):
        return Jsonb
    if isinstance(field, models.FileField):
        return _file_name
    return _as_is
