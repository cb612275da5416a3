"""Password hashes: scrypt from the standard library (memory-hard, RFC 7914).

Parameters: N=2**15, r=8, p=1 (32 MiB of memory and ~0.1 s per hash on this
machine), a random 16-byte salt and a 32-byte key. A hash is stored as a
self-describing string

    scrypt$n=32768,r=8,p=1$<salt, base64>$<key, base64>

so the parameters can be raised later: `verify` reads them from the string,
and `needs_rehash` says when a stored hash is weaker than today's, so the
next successful sign-in stores a new one. Keys are compared in constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "Params",
    "PasswordError",
    "check_policy",
    "dummy_hash",
    "hash_password",
    "needs_rehash",
    "policy_message",
    "verify",
]

MIN_LENGTH = 12
MAX_LENGTH = 1024  # longer ones are refused: hashing them would cost for nothing
SALT_BYTES = 16
KEY_BYTES = 32
SCHEME = "scrypt"


class PasswordError(ValueError):
    """A password the policy refuses (the message is for the user, in Finnish)."""


@dataclass(frozen=True, order=True)
class Params:
    n: int = 2**15
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128 * n * r * p bytes; OpenSSL's default limit is 32 MiB exactly.
        return 128 * self.n * self.r * (self.p + 1) + 1024 * 1024

    def text(self) -> str:
        return f"n={self.n},r={self.r},p={self.p}"


CURRENT = Params()


def policy_message() -> str:
    return f"Salasanassa on oltava vähintään {MIN_LENGTH} merkkiä."


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(policy_message())
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"Salasanassa saa olla enintään {MAX_LENGTH} merkkiä.")


def _key(password: str, salt: bytes, params: Params) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, params: Params = CURRENT) -> str:
    """The stored form of `password` (the policy is checked first)."""
    check_policy(password)
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${params.text()}${_b64(salt)}${_b64(_key(password, salt, params))}"


def parse(stored: str) -> tuple[Params, bytes, bytes]:
    scheme, text, salt, key = stored.split("$")
    if scheme != SCHEME:
        raise ValueError(f"not a {SCHEME} hash")
    values = dict(item.split("=", 1) for item in text.split(","))
    params = Params(n=int(values["n"]), r=int(values["r"]), p=int(values["p"]))
    return params, base64.b64decode(salt), base64.b64decode(key)


def verify(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; False for a missing or broken hash
    (an account that signs in only through OpenID Connect has none)."""
    if not stored or len(password) > MAX_LENGTH:
        return False
    try:
        params, salt, key = parse(stored)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(_key(password, salt, params), key)


def needs_rehash(stored: str, params: Params = CURRENT) -> bool:
    try:
        old, _, _ = parse(stored)
    except (ValueError, KeyError):
        return True
    return (old.n, old.r, old.p) != (params.n, params.r, params.p)


@functools.cache
def dummy_hash() -> str:
    """Verified against when the account does not exist, so that an unknown
    name takes as long to refuse as a wrong password."""
    return hash_password(secrets.token_urlsafe(24))
