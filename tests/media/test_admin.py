"""The read-only Django admin: off unless ADMIN_ENABLED; when on, staff see and change nothing."""

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken
from rest_framework.authtoken.models import Token

from media.models import MediaChange
from media.operators import token_issue
from tests.support.api import ADMIN
from tests.support.rows import add_change


@pytest.fixture
def staff(db, client):
    user = get_user_model().objects.create_superuser("root", password="s3cret-password")
    client.force_login(user)
    return client


@pytest.fixture
def record(operator, db):
    return add_change(
        "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1",
        action="reject",
        new_status="rejected",
        changes={"rejection_reason": {"old": None, "new": "cam rip"}},
        reason="cam rip",
        changed_by=operator,
        changed_by_name=operator.username,
    )


def test_the_admin_is_not_served_by_default(client, db, settings):
    assert settings.ADMIN_ENABLED is False

    response = client.get(ADMIN)

    assert response.status_code == 404
    assert response.json() == {"error": "Not found", "details": f"No endpoint at {ADMIN}"}


@pytest.mark.usefixtures("admin_on")
def test_a_user_who_is_not_staff_is_sent_to_the_login(client, operator):
    client.force_login(operator)

    response = client.get(f"{ADMIN}media/mediachange/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{ADMIN}login/")


@pytest.mark.usefixtures("admin_on")
def test_staff_see_the_history_and_cannot_change_it(staff, record):
    listing = staff.get(f"{ADMIN}media/mediachange/")
    detail = staff.get(f"{ADMIN}media/mediachange/{record.pk}/change/")
    posted = staff.post(f"{ADMIN}media/mediachange/{record.pk}/change/", {"reason": "edited"})
    deleting = staff.post(f"{ADMIN}media/mediachange/{record.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert b"cam rip" in listing.content
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert (posted.status_code, deleting.status_code) == (403, 403)
    assert staff.get(f"{ADMIN}media/mediachange/add/").status_code == 403
    record.refresh_from_db()
    assert record.reason == "cam rip"
    assert MediaChange.objects.count() == 1


@pytest.mark.usefixtures("admin_on")
def test_staff_see_operators_and_their_tokens_but_never_a_digest(staff, operator):
    token_issue(username=operator.username)
    token = AuthToken.objects.get(user=operator)

    users = staff.get(f"{ADMIN}auth/user/")
    user = staff.get(f"{ADMIN}auth/user/{operator.pk}/change/")
    tokens = staff.get(f"{ADMIN}knox/authtoken/")

    assert users.status_code == user.status_code == tokens.status_code == 200
    assert b"operator" in users.content
    assert token.token_key.encode() in user.content
    assert token.token_key.encode() in tokens.content
    for page in (users, user, tokens):
        assert token.digest.encode() not in page.content
    assert staff.get(f"{ADMIN}knox/authtoken/add/").status_code == 403
    assert staff.get(f"{ADMIN}knox/authtoken/{token.pk}/change/").status_code == 403
    assert staff.post(f"{ADMIN}auth/user/{operator.pk}/delete/", {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=operator.pk).exists()
    assert AuthToken.objects.filter(user=operator).count() == 1


@pytest.mark.usefixtures("admin_on")
def test_the_admin_index_lists_only_what_it_shows(staff):
    index = staff.get(ADMIN)

    assert index.status_code == 200
    assert b"History, operators and tokens" in index.content
    assert b"/rear-diff/admin/auth/group/" not in index.content


@pytest.mark.usefixtures("admin_on")
def test_the_admin_cannot_add_a_clear_text_token_through_drfs_authtoken_admin(staff, operator):
    """DRF registers its Token admin; a key stored there would turn into a working token
    if migration 0003 ran again."""
    add = f"{ADMIN}authtoken/tokenproxy/add/"

    page = staff.get(add)
    posted = staff.post(add, {"user": operator.pk})

    assert (page.status_code, posted.status_code) == (404, 404)
    assert not Token.objects.exists()
    assert f"{ADMIN}authtoken/".encode() not in staff.get(ADMIN).content
