"""Operators: the users allowed to change rejection statuses, and their API tokens."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from rest_framework.authtoken.models import Token


def ensure_operators_group(**kwargs) -> Group:
    """The `operators` group with media.change_rejection_status (post_migrate; idempotent)."""
    using = kwargs.get("using", "default")
    group, _ = Group.objects.using(using).get_or_create(name=settings.OPERATORS_GROUP)
    permission = Permission.objects.using(using).get(
        content_type__app_label="media", codename="change_rejection_status"
    )
    group.permissions.add(permission)
    return group


def operator_create(*, username: str, email: str = "", password: str | None = None):
    """Create (or reuse) a user and put it in the operators group.

    A password given for an existing user replaces its password.
    """
    user_model = get_user_model()
    with transaction.atomic():
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": email}
        )
        if password:
            user.set_password(password)
            user.save()
        elif created:
            user.set_unusable_password()  # token only, until a password is set
            user.save()
        user.groups.add(ensure_operators_group())
    return user, created


def token_issue(*, username: str) -> Token:
    """The user's token, made if it has none."""
    user = get_user_model().objects.get(username=username)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_rotate(*, username: str) -> Token:
    """Replace the user's token: the old key stops working at once."""
    user = get_user_model().objects.get(username=username)
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, username: str) -> bool:
    """Delete the user's token; returns whether there was one.

    An unknown username raises (a typo must not look like a revoked token).
    """
    user = get_user_model().objects.get(username=username)
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
