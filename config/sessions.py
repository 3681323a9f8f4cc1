"""Sessions kept on the server (django_session, DJANGO_SCHEMA), keys checked before any query.

A session must end when its user logs out or is revoked: a signed cookie
cannot be taken back, a row can be deleted. A cookie that cannot be a key
Django made (32 of a-z0-9) is no session, without a query: a NUL byte would
otherwise reach PostgreSQL and fail as a 500.
https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-database-backed-sessions
"""

import re

from django.contrib.sessions.backends import db

SESSION_KEY = re.compile(r"\A[a-z0-9]{32}\Z")


class SessionStore(db.SessionStore):
    # SessionBase's check (django/contrib/sessions/backends/base.py) asks for 8 characters
    # of anything; this asks for what its own get_new_session_key() makes.
    def _validate_session_key(self, key):
        return bool(key) and SESSION_KEY.fullmatch(key) is not None
