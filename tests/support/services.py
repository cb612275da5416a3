"""The system services the tests use on their standard ports: required in CI,
skipped elsewhere when they are not running."""

from __future__ import annotations

import os
import socket

import pytest

PG = ("127.0.0.1", 5432)
RABBIT = ("127.0.0.1", 5672)


def require(address: tuple[str, int], name: str) -> None:
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not running on {address[0]}:{address[1]} (required in CI)")
        pytest.skip(f"{name} not running")
