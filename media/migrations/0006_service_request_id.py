"""The history records the service's own id of each write's request beside the request id.

The request id may be the client's X-Request-ID, which a client may send twice;
the service's id is unique. Records made before have none (empty).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0005_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="mediachange",
            name="service_request_id",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
    ]
