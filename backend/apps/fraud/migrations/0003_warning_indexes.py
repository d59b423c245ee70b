"""Fraud warnings keep two indexes fewer, written with every warning a submission raises:
- the case's own index: the unique (case, kind, plate) already leads with the case;
- of the plate's two (`db_index` makes a pattern-ops twin on PostgreSQL for LIKE, which no query
  uses; the warning list filters by the exact plate), the plain one stays, named `fraud_plate`.

Only indexes change: the foreign key constraint stays as it is (altering the field would drop and
re-add it, checking every row again; on SQLite it would rebuild the table).
"""

import django.db.models.deletion
from django.db import migrations, models

# As Django named them when it created them.
CASE_INDEX = "fraud_fraudwarning_case_id_a1276468"
PLATE_INDEX = "fraud_fraudwarning_plate_0e781ca7"
PLATE_LIKE_INDEX = "fraud_fraudwarning_plate_0e781ca7_like"  # PostgreSQL only


def forward(apps, schema_editor):
    for name in (CASE_INDEX, PLATE_LIKE_INDEX):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX IF EXISTS "{PLATE_INDEX}" RENAME TO "fraud_plate"')
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{PLATE_INDEX}"')
        schema_editor.execute('CREATE INDEX IF NOT EXISTS "fraud_plate" ON "fraud_fraudwarning" ("plate")')


def backward(apps, schema_editor):
    table = "fraud_fraudwarning"
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{CASE_INDEX}" ON "{table}" ("case_id")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX IF EXISTS "fraud_plate" RENAME TO "{PLATE_INDEX}"')
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{PLATE_LIKE_INDEX}" ON "{table}" ("plate" varchar_pattern_ops)')
    else:
        schema_editor.execute('DROP INDEX IF EXISTS "fraud_plate"')
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{PLATE_INDEX}" ON "{table}" ("plate")')


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_case_owner_drafts"),
        ("fraud", "0002_signals"),
        ("units", "0002_unit_kind_province"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="fraudwarning",
                    name="case",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="fraud_warnings", to="cases.case"),
                ),
                migrations.AlterField(
                    model_name="fraudwarning",
                    name="plate",
                    field=models.CharField(max_length=16),
                ),
                migrations.AddIndex(
                    model_name="fraudwarning",
                    index=models.Index(fields=["plate"], name="fraud_plate"),
                ),
            ],
        ),
    ]
