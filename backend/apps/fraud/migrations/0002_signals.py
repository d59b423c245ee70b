# Signals beyond the plate count: the other case a match points at, and details for officers.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_initial'),
        ('fraud', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='fraudwarning',
            name='data',
            field=models.JSONField(blank=True, default=dict, null=True),
        ),
        migrations.AddField(
            model_name='fraudwarning',
            name='related_case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='fraudwarning',
            name='kind',
            field=models.CharField(choices=[('repeat_plate', '同一车辆多次事故'), ('same_photo', '照片与其他案件完全相同'), ('similar_photo', '照片与其他案件高度相似'), ('exif_time', '拍摄时间与事故时间不符'), ('exif_place', '拍摄地点与事故地点不符'), ('shared_phone', '同一手机号关联多辆车'), ('repeat_pair', '同一对车辆再次发生事故')], default='repeat_plate', max_length=30),
        ),
    ]
