"""Drop four indexes that no query uses, each written with every draft, submission or timeline entry:
- `cases_case.receipt_no`'s pattern-ops twin (PostgreSQL makes one for a unique text column, for
  LIKE): every receipt lookup is by the exact number, which the unique index answers;
- `cases_case.claimed_by_id`: nothing filters cases by the officer who took them;
- `cases_caseevent.actor_id` and `cases_caseevent.unit_id`: timeline entries are read by their case.

Only the indexes go: the foreign key constraints stay as they are (see 0004). Deleting a user or a
unit, which the service does not offer (accounts are disabled, units are kept), would scan the
tables to clear these columns.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {  # name: (table, column), as Django named them when it created them
    "cases_case_claimed_by_id_767b3f1b": ("cases_case", "claimed_by_id"),
    "cases_caseevent_actor_id_3b42ca2c": ("cases_caseevent", "actor_id"),
    "cases_caseevent_unit_id_e4fd0a26": ("cases_caseevent", "unit_id"),
}
RECEIPT_LIKE = "cases_case_receipt_no_16be4e8c_like"  # PostgreSQL only


def forward(apps, schema_editor):
    for name in (*INDEXES, RECEIPT_LIKE):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def backward(apps, schema_editor):
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{RECEIPT_LIKE}" ON "cases_case" ("receipt_no" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_case_owner_drafts"),
        ("units", "0002_unit_kind_province"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="claimed_by",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="claimed_cases", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="actor",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="unit",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                            to="units.unit"),
                ),
            ],
        ),
    ]
