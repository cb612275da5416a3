"""`make eval`'s evaluation run by hand before `make train` or `make build`
says which step is missing instead of a traceback."""

from __future__ import annotations

import sqlalchemy as sa

from studybots.core.settings import PROJECT_ROOT, Settings
from studybots.training.evaluate import missing_inputs


def settings(tmp_path) -> Settings:
    return Settings(
        catalogue_dir=PROJECT_ROOT / "catalogue",
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'catalogue.db'}",
        action_port=1,
        tero_port=2,
        paavo_port=3,
    )


def test_each_missing_step_is_named(tmp_path):
    s = settings(tmp_path)
    assert "make train" in missing_inputs(s) and "tero, paavo" in missing_inputs(s)
    (tmp_path / "models").mkdir()
    for bot in ("tero", "paavo"):
        (tmp_path / "models" / f"{bot}.tar.gz").write_bytes(b"")
    assert "make build" in missing_inputs(s)
    assert not (tmp_path / "catalogue.db").exists()  # asking did not create it
    engine = sa.create_engine(s.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE other (x INTEGER)"))
    assert "make build" in missing_inputs(s)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE service_codes (x INTEGER)"))
    engine.dispose()
    assert missing_inputs(s) == ""
