"""Drop the single-column index of alerts_alert.unit_id: alert_unit_id (unit_id, id) leads with it and
serves every lookup by unit. Only the index goes; the foreign key constraint stays."""

import django.db.models.deletion
from django.db import migrations, models

NAME, TABLE, COLUMN = "alerts_alert_unit_id_3e82eeb8", "alerts_alert", "unit_id"


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0001_initial"),
        ("units", "0002_unit_kind_province"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{NAME}"', f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "{TABLE}" ("{COLUMN}")'),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="alert",
                    name="unit",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="alerts", to="units.unit"),
                ),
            ],
        ),
    ]
