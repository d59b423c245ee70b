"""A covering index for the statistics scan on PostgreSQL.

The city-wide queries read every fact of a year; with the grouped and aggregated columns in the
index PostgreSQL answers them with a (parallel) index-only scan instead of reading the table.
SQLite has no INCLUDE clause, so the index exists on PostgreSQL only.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS fact_submitted_cover ON stats_casefact (submitted_at) "
    "INCLUDE (unit_id, status, decision_s, fraud, inside_jurisdiction, occurred_hour)"
)
DROP = "DROP INDEX IF EXISTS fact_submitted_cover"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
