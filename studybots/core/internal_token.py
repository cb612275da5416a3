"""The shared secret of the internal servers (action server, model server).

Only the bots may call the action server (a forged `/webhook` call runs
actions) and download models. Every caller presents this token as
`Authorization: Bearer <token>` (the bots through the `headers` of the
action and model endpoints in endpoints*.yml); a request without it, or with
another one, gets 401.

* In production the token comes from STUDYBOTS_INTERNAL_TOKEN (a Kubernetes
  Secret; see deploy/kubernetes/config.yaml).
* Otherwise it is read from `<var dir>/internal.token`, which is created on
  first use with 32 random bytes (hex), readable by the owner only, the same
  way as the pseudonym key (studybots.privacy.pseudonyms). studybots.ops.supervisor
  reads it once and hands it to every process it starts.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["FILE_NAME", "TOKEN_ENV", "authorized", "bearer", "load_token"]

TOKEN_ENV = "STUDYBOTS_INTERNAL_TOKEN"
FILE_NAME = "internal.token"
TOKEN_BYTES = 32
# A token shorter than this (from the environment) is refused: it could be guessed.
MIN_CHARS = 16


def _read(path: Path, wait: float = 0.0) -> str:
    deadline = time.monotonic() + wait
    while True:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
        if time.monotonic() >= deadline:
            raise ValueError(f"token file {path} is empty")
        time.sleep(0.01)


def _create(path: Path) -> str:
    """Write a new token to a private temporary file and hard-link it into
    place: linking never overwrites, so of processes starting at once exactly
    one wins and the others read its token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(TOKEN_BYTES)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.chmod(tmp_name, 0o600)
            handle.write(token)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return _read(path, wait=2.0)
        except OSError:  # no hard links on this file system
            try:
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return _read(path, wait=2.0)
            with os.fdopen(out, "w", encoding="utf-8") as handle:
                handle.write(token)
        return token
    finally:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass


def load_token(var_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The internal token: STUDYBOTS_INTERNAL_TOKEN, else `<var_dir>/internal.token`
    (created when missing). A token of fewer than 16 characters is refused."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    token = (env.get(TOKEN_ENV) or "").strip()
    if not token:
        path = Path(var_dir) / FILE_NAME
        try:
            token = _read(path)
        except FileNotFoundError:
            token = _create(path)
    if len(token) < MIN_CHARS:
        raise ValueError(f"{TOKEN_ENV}: at least {MIN_CHARS} characters are needed")
    return token


def bearer(token: str) -> dict[str, str]:
    """The header a caller sends."""
    return {"Authorization": f"Bearer {token}"}


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries the token (constant-time)."""
    if not header or not token:
        return False
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode("utf-8"), token.encode("utf-8"))
