"""Helpers shared by the PTV tests: the v11 fixtures and a table dump."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy import select

from studybots.core.settings import PROJECT_ROOT
from studybots.services.model import Base

FIXTURES = PROJECT_ROOT / "catalogue" / "ptv" / "v11"
SERVICE_FILE = FIXTURES / "etalukio_service.json"
CHANNEL_FILE = FIXTURES / "otava_service_channel.json"
SERVICES_FILE = FIXTURES / "services.json"
ETALUKIO = "3668d250-cd80-45c4-abcc-9b2d3a2b3e42"
LIPERI = "6c00d407-d3fd-4c7e-a373-57be9f3b2cff"
OTAVA = "961f1a02-0eb7-4b5d-9721-6b9f2d14ec6f"


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def all_fixture_items() -> list[dict]:
    """Two services and a channel, as wire JSON objects."""
    return [load(SERVICE_FILE), *load(SERVICES_FILE).values(), load(CHANNEL_FILE)]


def variant(item: dict, number: int) -> dict:
    """A copy of a wire service with its own id and name."""
    new = copy.deepcopy(item)
    new["id"] = f"00000000-0000-4000-8000-{number:012d}"
    for name in new.get("serviceNames") or new.get("serviceChannelNames") or []:
        if name.get("value"):
            name["value"] = f"{name['value']} {number}"
    return new


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table of the service model, sorted."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out
