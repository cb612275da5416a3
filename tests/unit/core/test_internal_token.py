"""The internal servers' shared secret: where it comes from, and the check."""

from __future__ import annotations

import stat
import threading

import pytest

from studybots.core.internal_token import (
    FILE_NAME,
    TOKEN_ENV,
    authorized,
    bearer,
    load_token,
)


def test_generated_once_into_the_var_directory_readable_by_the_owner_only(tmp_path):
    token = load_token(tmp_path / "var", environ={})
    path = tmp_path / "var" / FILE_NAME
    assert len(token) == 64 and int(token, 16) >= 0  # 256 random bits, hex
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(tmp_path / "var", environ={}) == token
    assert load_token(tmp_path / "other", environ={}) != token
    assert sorted(p.name for p in path.parent.iterdir()) == [FILE_NAME]


def test_the_environment_wins_and_a_short_token_is_refused(tmp_path):
    assert load_token(tmp_path, environ={TOKEN_ENV: " from-the-secret-store "}) == (
        "from-the-secret-store"
    )
    assert not (tmp_path / FILE_NAME).exists()
    with pytest.raises(ValueError, match=TOKEN_ENV):
        load_token(tmp_path, environ={TOKEN_ENV: "short"})


def test_processes_starting_at_once_get_the_same_token(tmp_path):
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_token(tmp_path, environ={})))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_only_the_bearer_token_itself_is_authorized():
    token = "0123456789abcdef0123"
    assert authorized(bearer(token)["Authorization"], token)
    assert authorized(f"bearer  {token} ", token)
    for header in (None, "", token, f"Basic {token}", f"Bearer {token}x", f"Bearer {token[:-1]}"):
        assert not authorized(header, token), header
    assert not authorized("Bearer ", "")
