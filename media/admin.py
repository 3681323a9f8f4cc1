"""A read-only Django admin: the history of every write, the operators and their tokens.

Served at /rear-diff/admin/ only with ADMIN_ENABLED=true, to staff users.
Nothing can be added, changed or deleted here: writes to media go through the
API (and the history), operators and tokens through `manage.py media_operator`.
https://docs.djangoproject.com/en/5.2/ref/contrib/admin/
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from knox.models import AuthToken
from rest_framework.authtoken.models import TokenProxy

from media.models import MediaChange

admin.site.site_header = "rear-differential (read-only)"
admin.site.site_title = "rear-differential"
admin.site.index_title = "History, operators and tokens"


class ReadOnly:
    """Every object may be viewed; none added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MediaChange)
class MediaChangeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["changed_at", "action", "media_hash", "changed_by_name", "reason", "batch_id"]
    list_filter = ["action", "changed_by_name"]
    search_fields = ["media_hash", "request_id", "service_request_id", "reason", "note"]
    date_hierarchy = "changed_at"
    # Every field of the record; the author by the name kept with it.
    exclude = ["changed_by"]


# django.contrib.auth's and knox's own admins can edit (and show token digests):
# replaced by read-only ones. DRF's authtoken admin would store a clear-text key
# (migration 0003, run again, would make it a working token): not served at all.
for model in (get_user_model(), Group, AuthToken, TokenProxy):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(get_user_model())
class OperatorAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["username", "is_active", "is_staff", "last_login", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "email"]
    fields = [
        "username",
        "email",
        "groups",
        "tokens",
        "is_active",
        "is_staff",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["tokens"]

    @admin.display(description="Tokens (first characters of each key)")
    def tokens(self, user):
        # Not an inline: a token's str() and primary key are its digest.
        keys = AuthToken.objects.filter(user=user).order_by("created")
        return (
            ", ".join(f"{token.token_key}… (expires {token.expiry or 'never'})" for token in keys)
            or "none"
        )


@admin.register(AuthToken)
class TokenAdmin(ReadOnly, admin.ModelAdmin):
    """The tokens, listed only: a token's page would name it by its digest (its primary key)."""

    list_display = ["token_key", "user", "created", "expiry"]
    list_display_links = None
    list_filter = ["expiry"]
    search_fields = ["token_key", "user__username"]

    def has_view_permission(self, request, obj=None):
        return obj is None and super().has_view_permission(request)
