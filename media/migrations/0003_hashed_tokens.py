"""Move rest_framework.authtoken's clear-text keys into knox as digests.

Every existing key keeps working (knox looks a key up by its first 15
characters and compares the SHA-512 digest of the whole key); the clear-text
rows are then deleted, so no database dump carries a usable key. Going back
cannot restore the clear text: the reverse leaves knox's tokens in place.
"""

from django.db import migrations
from knox.crypto import hash_token
from knox.settings import CONSTANTS


def hash_clear_text_keys(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    AuthToken = apps.get_model("knox", "AuthToken")
    legacy = Token.objects.all()
    AuthToken.objects.bulk_create(
        AuthToken(
            digest=hash_token(token.key),
            token_key=token.key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=token.user_id,
            expiry=None,
        )
        for token in legacy
    )
    legacy.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0002_audit_and_operator_permission"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(hash_clear_text_keys, migrations.RunPython.noop, elidable=False),
    ]
