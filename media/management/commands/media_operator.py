"""Manage operators and their API tokens."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from media.operators import (
    TokenExists,
    operator_create,
    sessions_end,
    token_issue,
    token_revoke,
    token_rotate,
)


class Command(BaseCommand):
    help = (
        "Operators (group `operators`: media.change_rejection_status and "
        "media.change_pipeline_status) and their "
        "API tokens: create USER | token USER | rotate USER | revoke USER. The database keeps "
        "only a digest of each token, so a key is printed once, when it is issued."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create", help="Create a user in the operators group; issue a token if it has none."
        )
        create.add_argument("username")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-from-stdin",
            action="store_true",
            help=(
                "Read a password for the browsable API's login from standard input "
                "(it replaces an existing user's password)."
            ),
        )
        for name, text in [
            ("token", "Issue a token for a user who has none and print its key."),
            ("rotate", "Replace the user's token and print the new key."),
            ("revoke", "Delete the user's token and end the user's sessions."),
        ]:
            actions.add_parser(name, help=text).add_argument("username")

    def handle(self, *args, action, username, **options):
        try:
            if action == "create":
                self._create(username, options)
            elif action == "token":
                self.stdout.write(token_issue(username=username))
            elif action == "rotate":
                self.stdout.write(token_rotate(username=username))
            elif action == "revoke":
                revoked = token_revoke(username=username)
                self.stdout.write("Token revoked." if revoked else "No token to revoke.")
                self.stdout.write(f"Sessions ended: {sessions_end(username=username)}.")
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        except TokenExists as exc:
            # Only a digest is stored: the key cannot be shown again.
            raise CommandError(self._has_token(username)) from exc

    def _create(self, username, options):
        password = None
        if options["password_from_stdin"]:
            password = sys.stdin.readline().strip()
            if not password:
                raise CommandError("--password-from-stdin: standard input has no password.")
        user, created = operator_create(
            username=username, email=options["email"], password=password
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} operator {user.get_username()}.")
        if password:
            self.stdout.write("Password set.")
        try:
            self.stdout.write(f"Token: {token_issue(username=username)}")
        except TokenExists:
            self.stdout.write(self._has_token(username))

    @staticmethod
    def _has_token(username):
        return (
            f"{username} already has a token; its key was shown when it was issued and is not "
            f"stored. `manage.py media_operator rotate {username}` replaces it with a new one."
        )
