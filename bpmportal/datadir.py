"""The data directory: where a local installation keeps its database and its generated secrets.

Secrets are written readable by their owner only (0600), and created atomically so that two
processes starting at the same moment (a web server and a worker, or parallel test workers)
end up sharing one value instead of each keeping its own.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PRIVATE_FILE_MODE = 0o600


def ensure_data_dir(path: Path) -> Path:
    """Create the directory (owner-only) if it is missing and return it as an absolute path."""
    path = path.expanduser().resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"Cannot create the data directory {path} (set BPM_DATA_DIR to change it): {error}"
        ) from None
    return path


def write_private_file(path: Path, text: str, *, replace: bool = True) -> bool:
    """Write ``text`` to ``path`` with mode 0600.

    The content goes to a temporary file in the same directory first, so readers never see a
    half-written secret. With ``replace=False`` an existing file wins and False is returned.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, PRIVATE_FILE_MODE)  # mkstemp already uses 0600; umask cannot widen it
        if replace:
            os.replace(temporary, path)
            return True
        try:
            # link() fails if the target exists: the first process to get here wins the race.
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def read_or_create_secret(path: Path, *, nbytes: int = 50) -> str:
    """The secret stored at ``path``, generating and storing a random one on first use."""
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(nbytes) + "\n", replace=False)
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise ImproperlyConfigured(f"The secret file {path} is empty; delete it to generate a new one.")
    return value
