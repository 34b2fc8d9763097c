"""Drop the single-column indexes Django gave six foreign keys: a composite index beginning with
the same column already serves every lookup by it, and each extra index is one more B-tree
written for every event, token, job and instance row.

Only the indexes are dropped (by introspection, so whatever name they carry): on SQLite an
AlterField would copy each whole table, the event log included, to change nothing else.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the composite index that serves lookups by that column)
REDUNDANT = (
    ("engine_event", "instance_id", "event_instance_seq_unique"),
    ("engine_job", "instance_id", "job_instance_token"),
    ("engine_joinfiring", "instance_id", "join_firing_unique"),
    ("engine_processinstance", "definition_id", "instance_definition_status"),
    ("engine_token", "instance_id", "token_instance_token_unique"),
    ("engine_usertask", "instance_id", "user_task_instance_token"),
)


def _single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def drop_indexes(apps, schema_editor) -> None:
    for table, column, _ in REDUNDANT:
        for name in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor) -> None:
    for table, column, _ in REDUNDANT:
        if not _single_column_indexes(schema_editor, table, column):
            name = schema_editor._create_index_name(table, [column])
            schema_editor.execute(
                f"CREATE INDEX {schema_editor.quote_name(name)} ON {schema_editor.quote_name(table)} "
                f"({schema_editor.quote_name(column)})"
            )


def _foreign_key(on_delete, related_name: str, to: str) -> models.ForeignKey:
    return models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related_name, to=to)


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0012_exclusive_jobs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="instance",
                    field=_foreign_key(django.db.models.deletion.PROTECT, "events", "engine.processinstance"),
                ),
                migrations.AlterField(
                    model_name="job",
                    name="instance",
                    field=_foreign_key(django.db.models.deletion.CASCADE, "jobs", "engine.processinstance"),
                ),
                migrations.AlterField(
                    model_name="joinfiring",
                    name="instance",
                    field=_foreign_key(
                        django.db.models.deletion.CASCADE, "join_firings", "engine.processinstance"
                    ),
                ),
                migrations.AlterField(
                    model_name="processinstance",
                    name="definition",
                    field=_foreign_key(
                        django.db.models.deletion.PROTECT, "instances", "engine.processdefinition"
                    ),
                ),
                migrations.AlterField(
                    model_name="token",
                    name="instance",
                    field=_foreign_key(django.db.models.deletion.CASCADE, "tokens", "engine.processinstance"),
                ),
                migrations.AlterField(
                    model_name="usertask",
                    name="instance",
                    field=_foreign_key(
                        django.db.models.deletion.CASCADE, "user_tasks", "engine.processinstance"
                    ),
                ),
            ],
        ),
    ]
