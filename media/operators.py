"""Operators: the users allowed to change rejection statuses and steer rows, and their tokens."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken


class TokenExists(Exception):
    """The user already has a token: its key was shown once, when it was issued."""


# What an operator may do: change rejection statuses, and steer rows with the actions.
OPERATOR_PERMISSIONS = ("change_rejection_status", "change_pipeline_status")


def ensure_operators_group(**kwargs) -> Group:
    """The `operators` group with the operators' permissions (post_migrate; idempotent)."""
    using = kwargs.get("using", "default")
    group, _ = Group.objects.using(using).get_or_create(name=settings.OPERATORS_GROUP)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="media", codename__in=OPERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
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


def token_issue(*, username: str) -> str:
    """Issue a token for a user who has none; returns the key, which is stored only as a digest.

    Raises TokenExists when the user has a token that has not expired
    (token_rotate replaces it).
    """
    user = get_user_model().objects.get(username=username)
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
        if AuthToken.objects.filter(user=user).exists():
            raise TokenExists(username)
        _, key = AuthToken.objects.create(user=user)
    return key


def token_rotate(*, username: str) -> str:
    """Replace the user's tokens with a new one: the old keys stop working at once."""
    user = get_user_model().objects.get(username=username)
    with transaction.atomic():
        AuthToken.objects.filter(user=user).delete()
        _, key = AuthToken.objects.create(user=user)
    return key


def token_revoke(*, username: str) -> bool:
    """Delete the user's tokens; returns whether there was one.

    An unknown username raises (a typo must not look like a revoked token).
    """
    user = get_user_model().objects.get(username=username)
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return bool(deleted)


def sessions_end(*, username: str) -> int:
    """End every session of the user (browsable API, admin): they log in again or not at all.

    Sessions keep the user's id inside their signed data, so each is read; an
    operator's sessions are few. Returns how many ended.
    """
    user = get_user_model().objects.get(username=username)
    theirs = [
        session.pk
        for session in Session.objects.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    deleted, _ = Session.objects.filter(pk__in=theirs).delete()
    return deleted
