"""Make sure someone can log in to a fresh installation, without a well-known default password.

On first run this creates the superuser ``admin`` with a random password, stored owner-only in
the data directory. Later runs leave the account alone (operators may have changed the
password), unless ``--reset`` asks for a new one.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from bpmportal.datadir import write_private_file

PORTAL_URL = "http://127.0.0.1:8000/"


def password_file() -> Path:
    return Path(settings.DATA_DIR) / "admin-password.txt"


def _display(path: Path) -> str:
    """The path relative to the working directory when it is inside it (``var/...``), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Command(BaseCommand):
    help = "Create the first superuser with a random password (written to the data directory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="Name of the account (default: admin).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Give the account a new random password even if it already exists.",
        )

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        User = get_user_model()
        stored = password_file()
        if not reset and User.objects.filter(is_superuser=True).exists():
            if stored.exists():
                self.stdout.write(f"A superuser exists; the password it was given is in {_display(stored)}.")
            else:
                self.stdout.write(
                    f"A superuser exists. To give {username} a new password, run ensure_admin --reset."
                )
            return

        password = secrets.token_urlsafe(16)
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_superuser(username=username, email="", password=password)
            elif not user.is_superuser and not reset:
                raise CommandError(
                    f"User {username!r} exists but is not a superuser; refusing to promote it silently. "
                    "Use --reset to make it the administrator, or --username to pick another name."
                )
            else:
                user.is_staff = user.is_superuser = user.is_active = True
                user.set_password(password)
                user.save()
            # Written inside the transaction: if the file cannot be written, no account is left
            # behind with a password nobody knows.
            write_private_file(stored, password + "\n")

        self.stdout.write(
            self.style.SUCCESS(
                f"Log in at {PORTAL_URL} as {username} with password {password} (also in {_display(stored)})"
            )
        )
