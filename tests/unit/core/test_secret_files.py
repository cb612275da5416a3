"""Secrets mounted as files become the variables the code reads."""

from __future__ import annotations

import pytest

from studybots.core.secret_files import SECRETS_DIR_ENV, export


def test_secret_files_become_variables_without_overriding(tmp_path):
    (tmp_path / "STUDYBOTS_LOG_KEY").write_text("avain\n")
    (tmp_path / "STUDYBOTS_TRACKER_URL").write_text("postgresql://tero:salasana@db/tero")
    (tmp_path / "ALREADY_SET").write_text("from the file")
    (tmp_path / "..data").mkdir()  # Kubernetes' own links
    (tmp_path / "lower-case").write_text("not a variable name")
    environ = {SECRETS_DIR_ENV: str(tmp_path), "ALREADY_SET": "from the environment"}
    assert export(environ) == ["STUDYBOTS_LOG_KEY", "STUDYBOTS_TRACKER_URL"]
    assert environ["STUDYBOTS_LOG_KEY"] == "avain"
    assert environ["STUDYBOTS_TRACKER_URL"] == "postgresql://tero:salasana@db/tero"
    assert environ["ALREADY_SET"] == "from the environment"
    assert "lower-case" not in environ


def test_nothing_without_the_setting_and_a_wrong_folder_stops(tmp_path):
    environ: dict[str, str] = {}
    assert export(environ) == [] and environ == {}
    with pytest.raises(SystemExit, match=SECRETS_DIR_ENV):
        export({SECRETS_DIR_ENV: str(tmp_path / "missing")})
