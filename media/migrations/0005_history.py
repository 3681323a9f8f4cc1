"""The rejection-status audit grows into the history of every write; the operators' new permission.

RejectionStatusChange becomes MediaChange: the table is renamed, not copied, so
every record is kept with its id, and each gets the action `rejection-status`
and, where the status changed, `changes` naming it. Going back drops the new
columns: records of other writes then read as rejection-status records.
"""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import JSONObject


def record_the_rejection_status_change(apps, schema_editor):
    MediaChange = apps.get_model("media", "MediaChange")
    changed = JSONObject(old=F("old_status"), new=F("new_status"))
    MediaChange.objects.exclude(old_status=F("new_status")).update(
        changes=JSONObject(rejection_status=changed)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0004_training"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="media",
            options={
                "managed": False,
                "ordering": ["-created_at", "-hash"],
                "permissions": [
                    ("change_rejection_status", "Can change the rejection status of media"),
                    (
                        "change_pipeline_status",
                        "Can steer media through the pipeline (operator actions)",
                    ),
                ],
                "verbose_name_plural": "media",
            },
        ),
        migrations.RenameModel(old_name="RejectionStatusChange", new_name="MediaChange"),
        migrations.AddField(
            model_name="mediachange",
            name="action",
            field=models.CharField(default="rejection-status", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mediachange",
            name="changes",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="mediachange",
            name="reason",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="mediachange",
            name="note",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="mediachange",
            name="batch_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(
            record_the_rejection_status_change, migrations.RunPython.noop, elidable=False
        ),
        migrations.AddIndex(
            model_name="mediachange",
            index=models.Index(fields=["batch_id"], name="media_change_batch_idx"),
        ),
        migrations.AddIndex(
            model_name="mediachange",
            index=models.Index(fields=["changed_at"], name="media_change_at_idx"),
        ),
    ]
