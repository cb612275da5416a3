"""Pseudonyms: sender ids turned into keyed hashes, and the key behind them.

* :func:`pseudonym` turns a channel's sender id into a keyed hash, so that the
  messages of one conversation can be grouped without storing who sent them.
  Without the key the pseudonym cannot be linked back to the sender id, and
  changing (or deleting) the key unlinks all earlier logs.
* :func:`load_key` provides that key from the environment or from a private
  key file that is created on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from pathlib import Path

__all__ = ["KEY_BYTES", "KEY_ENV", "load_key", "pseudonym"]

# Environment variable that overrides the key file, and the size of a
# generated key.
KEY_ENV = "STUDYBOTS_LOG_KEY"
KEY_BYTES = 32


def pseudonym(sender_id: str, key: bytes) -> str:
    """Return a stable pseudonym for ``sender_id``: HMAC-SHA256, 32 hex chars.

    The same id and key always give the same pseudonym; without the key the
    pseudonym cannot be traced back to the id.  An empty key is refused
    because it would reduce the pseudonym to a plain, guessable hash.
    """
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key must be bytes")
    if not key:
        raise ValueError("key must not be empty")
    # "surrogatepass" so that any str, even one with lone surrogates, works.
    message = str(sender_id).encode("utf-8", "surrogatepass")
    return hmac.new(bytes(key), message, hashlib.sha256).hexdigest()[:32]


def _read_key(path: Path, wait: float = 0.0) -> bytes:
    """Read a key file; if ``wait`` > 0, wait that long for a writer to finish."""
    deadline = time.monotonic() + wait
    while True:
        data = path.read_bytes()
        if data:
            return data
        if time.monotonic() >= deadline:
            raise ValueError(f"key file {path} is empty")
        time.sleep(0.01)


def _create_exclusive(path: Path, key: bytes) -> bytes:
    """Fallback for file systems without hard links: O_EXCL create."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it; it may still be writing.
        return _read_key(path, wait=2.0)
    with os.fdopen(fd, "wb") as handle:
        os.chmod(path, 0o600)
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def load_key(path: Path) -> bytes:
    """Return the pseudonymisation key.

    The key comes from the environment variable ``STUDYBOTS_LOG_KEY`` when it
    is set and non-empty (its UTF-8 bytes).  Otherwise it is read from the
    file at ``path``; a missing file is created (with its parent folders)
    holding 32 random bytes, readable by the owner only (mode 0o600).

    Creation is safe when several processes start at once: the key is
    written completely to a private temporary file which is then hard-linked
    to ``path``.  Linking never overwrites, so exactly one process wins and
    the others read the winner's key.
    """
    env_key = os.environ.get(KEY_ENV)
    if env_key:
        return env_key.encode("utf-8", "surrogateescape")

    path = Path(path)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass

    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # mkstemp creates the file with mode 0o600 in the same directory, so the
    # link below stays on one file system.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp_name, 0o600)
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            # Lost the race: use the key the other process wrote.
            return _read_key(path)
        except OSError:
            # Hard links not supported here.
            return _create_exclusive(path, key)
        return key
    finally:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
