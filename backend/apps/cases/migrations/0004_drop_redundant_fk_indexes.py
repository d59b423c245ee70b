"""Drop the single-column indexes of three foreign keys that a composite index already leads with:
cases_case.owner_id (case_owner_created), cases_case.unit_id (case_unit_submitted) and
cases_party.case_id (party_case_index). Every lookup by those columns uses the composite index; the
single ones were only written on every draft, submission and party.

Only the indexes go: the foreign key constraints stay as they are (altering the fields would drop and
re-add them, checking every row of a large table again).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {  # name: (table, column), as Django named them when it created them
    "cases_case_owner_id_352cf2f7": ("cases_case", "owner_id"),
    "cases_case_unit_id_f34fc706": ("cases_case", "unit_id"),
    "cases_party_case_id_9d5babdc": ("cases_party", "case_id"),
}


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_party_phone_fraud"),
        ("units", "0002_unit_kind_province"),
        ("wechat", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES],
                    [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                     for name, (table, column) in INDEXES.items()],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="owner",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="cases",
                                            to="wechat.owner"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="unit",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="cases",
                                            to="units.unit"),
                ),
                migrations.AlterField(
                    model_name="party",
                    name="case",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="parties", to="cases.case"),
                ),
            ],
        ),
    ]
