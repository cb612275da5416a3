"""The importer writes PTV records into real databases: re-importing changes
nothing, bad records are skipped with their id, the project's own fields
survive, and the build includes catalogue/ptv/v11/."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import socket
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from studybots.build.servicedb import build_database
from studybots.core import db
from studybots.ptv.__main__ import main as cli
from studybots.ptv.client import read_files
from studybots.ptv.importer import PtvImporter
from studybots.ptv.v11 import PtvV11Reader
from studybots.search.finder import ServiceFinder
from studybots.services.model import (
    ChannelOpeningTime,
    ServiceChannelLink,
    ServiceRow,
    ServiceText,
)
from tests.support.ptv_helpers import (
    CHANNEL_FILE,
    ETALUKIO,
    FIXTURES,
    LIPERI,
    OTAVA,
    SERVICE_FILE,
    SERVICES_FILE,
    all_fixture_items,
    dump,
    load,
    variant,
)

reader = PtvV11Reader()


def write(path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def import_files(engine, paths, **kwargs):
    return PtvImporter(engine, **kwargs).run(read_files(paths, reader))


def test_import_then_reimport_changes_nothing(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    first = import_files(engine, [FIXTURES])
    assert (first.services_added, first.channels_added, first.problems) == (2, 1, [])
    before = dump(engine)
    second = import_files(engine, [FIXTURES])
    assert second.changed == 0
    assert (second.services_unchanged, second.channels_unchanged) == (2, 1)
    assert dump(engine) == before
    with Session(engine, future=True) as session:
        row = session.get(ServiceRow, ETALUKIO)
        assert (row.name, row.description) == (
            "Nettilukio aikuisille",
            "Aikuislukio verkko-opintoina.",
        )
        assert row.provider == "Mikkelin kaupungin liikelaitos Otavia"
        assert row.source == "ptv" and row.area_type == "Nationwide" and row.municipality is None
        assert "verkkolukio" in row.keywords.split(";")
        assert session.get(ServiceRow, LIPERI).municipality == "426"
        opening = session.execute(select(func.count()).select_from(ChannelOpeningTime)).scalar_one()
        assert opening == 5
        link = session.execute(
            select(ServiceChannelLink).where(
                ServiceChannelLink.service_id == ETALUKIO, ServiceChannelLink.channel_id == OTAVA
            )
        ).scalar_one()
        assert link.channel_name == "Otavan Opisto / Otavia"
    engine.dispose()


def test_changed_service_is_rewritten_and_project_fields_survive(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    import_files(engine, [SERVICE_FILE])
    with engine.begin() as conn:  # an editor's judgement, not PTV's
        conn.execute(
            ServiceRow.__table__.update()
            .where(ServiceRow.id == ETALUKIO)
            .values(
                phase="arki", dimension="4", student_relevance=0.8, wellbeing="opiskelu tai työ"
            )
        )
    changed = load(SERVICE_FILE)
    changed["serviceNames"][1]["value"] = "Nettilukio aikuisille (uusi)"
    changed["keywords"] = changed["keywords"][:1]
    write(tmp_path / "changed.json", changed)
    report = import_files(engine, [tmp_path / "changed.json"])
    assert (report.services_changed, report.changed) == (1, 1)
    with Session(engine, future=True) as session:
        row = session.get(ServiceRow, ETALUKIO)
        assert row.name == "Nettilukio aikuisille (uusi)" and row.keywords == "etäopetus"
        assert (row.phase, row.dimension, row.student_relevance, row.wellbeing) == (
            "arki",
            "4",
            0.8,
            "opiskelu tai työ",
        )
        keywords = (
            session.execute(
                select(ServiceText.value).where(
                    ServiceText.service_id == ETALUKIO, ServiceText.kind == "keyword"
                )
            )
            .scalars()
            .all()
        )
        assert keywords == ["etäopetus"]
    engine.dispose()


def test_bad_and_partial_records_are_skipped_with_their_id(tmp_path):
    """Corrupted copies of the fixtures: the good records still arrive."""
    services = load(SERVICES_FILE)
    good = variant(services[LIPERI], 1)
    no_name = variant(services[LIPERI], 2)
    no_name["serviceNames"] = [{"language": "fi", "value": None, "type": "Name"}]
    wrong_type = variant(services[LIPERI], 3)
    wrong_type["areas"] = "Liperi"
    too_long = variant(services[LIPERI], 4)
    too_long["serviceChargeType"] = "X" * 500
    no_id = copy.deepcopy(services[LIPERI])
    del no_id["id"]
    write(
        tmp_path / "page.json",
        {
            "pageNumber": 1,
            "pageSize": 6,
            "pageCount": 1,
            "itemList": [good, no_name, wrong_type, too_long, no_id, 7],
        },
    )
    (tmp_path / "truncated.json").write_text(SERVICE_FILE.read_text()[:5000])
    channel = load(CHANNEL_FILE)
    channel["addresses"][0]["streetAddress"]["municipality"] = {"code": "Mikkeli"}
    write(tmp_path / "channel.json", channel)

    engine = db.engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    report = import_files(engine, [tmp_path])
    problems = {p.record_id: p for p in report.problems}
    assert report.services_added == 1
    assert "no name" in problems[no_name["id"]].message
    assert "'areas' should be a list" in problems[wrong_type["id"]].message
    assert "services.charge_type" in problems[too_long["id"]].message
    assert "PTV id" in problems["#4"].message and "should be an object" in problems["#5"].message
    assert "not a municipality code" in problems[OTAVA].message
    truncated = [p for p in report.problems if p.source.endswith("truncated.json")]
    assert truncated and "not valid JSON" in truncated[0].message
    assert str(problems[no_name["id"]]).startswith(str(tmp_path / "page.json"))
    with Session(engine, future=True) as session:
        ids = session.execute(select(ServiceRow.id)).scalars().all()
    assert ids == [good["id"]]
    engine.dispose()


def test_unpublished_services_are_removed_and_since_skips_old_records(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    import_files(engine, [FIXTURES])
    deleted = load(SERVICE_FILE)
    deleted["publishingStatus"] = "Deleted"
    deleted["modified"] = "2024-01-01T00:00:00"
    write(tmp_path / "deleted.json", deleted)
    report = import_files(
        engine, [tmp_path / "deleted.json", SERVICES_FILE], since=dt.datetime(2023, 1, 1)
    )
    assert (report.services_removed, report.not_modified) == (1, 1)
    with Session(engine, future=True) as session:
        assert session.get(ServiceRow, ETALUKIO) is None
        assert session.get(ServiceRow, LIPERI) is not None
        left = session.execute(
            select(func.count()).select_from(ServiceText).where(ServiceText.service_id == ETALUKIO)
        ).scalar_one()
        assert left == 0
    engine.dispose()


def test_a_record_the_database_refuses_is_skipped_not_fatal(tmp_path):
    """PostgreSQL-style refusals are found record by record."""
    engine = db.engine(f"sqlite:///{tmp_path / 'ptv.db'}")
    items = [variant(load(SERVICE_FILE), i) for i in range(5)]
    importer = PtvImporter(engine, batch_size=100)
    with engine.begin() as conn:  # a trigger stands in for any database-side refusal
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON services WHEN NEW.name LIKE '% 3' "
            "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )
    report = importer.run(reader.read_document(items, "items"))
    assert report.services_added == 4
    assert [(p.record_id, "refused by test" in p.message) for p in report.problems] == [
        (items[3]["id"], True)
    ]
    engine.dispose()


def test_curated_rows_keep_their_ptv_service(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    build_database(catalogue, url)
    engine = db.engine(url)
    with Session(engine, future=True) as session:
        curated = (
            session.execute(
                select(ServiceRow).where(
                    ServiceRow.source == "curated", ServiceRow.ptv_id.is_not(None)
                )
            )
            .scalars()
            .first()
        )
    item = variant(load(SERVICE_FILE), 9)
    item["id"] = curated.ptv_id
    report = PtvImporter(engine).run(reader.read_document(item, "x"))
    assert (report.services_linked, report.changed) == (1, 0)
    engine.dispose()


def test_build_includes_v11_json_and_keeps_sheet_marks(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    # A database of the previous version: services without the new columns.
    old = create_engine(url, future=True)
    with old.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE services (id VARCHAR(64) PRIMARY KEY, source VARCHAR(16) NOT NULL, "
            "ptv_id VARCHAR(64), name VARCHAR(300) NOT NULL, description TEXT NOT NULL, "
            "provider VARCHAR(200) NOT NULL, url VARCHAR(500) NOT NULL, "
            "service_type VARCHAR(40) NOT NULL, area_type VARCHAR(20) NOT NULL, "
            "municipality VARCHAR(3), phase VARCHAR(20), dimension VARCHAR(2), "
            "student_relevance FLOAT NOT NULL, keywords TEXT NOT NULL, wellbeing TEXT NOT NULL)"
        )
    old.dispose()
    count = build_database(catalogue, url)
    assert build_database(catalogue, url) == count
    engine = db.engine(url)
    with Session(engine, future=True) as session:
        row = session.get(ServiceRow, ETALUKIO)
        assert row.provider == "Mikkelin kaupungin liikelaitos Otavia"  # from the JSON
        assert row.wellbeing == catalogue.ptv_services[ETALUKIO].wellbeing[0]  # from the sheet
        assert session.get(ServiceRow, LIPERI).name == "Yksilöllistetty oppimäärä"
    engine.dispose()
    finder = ServiceFinder.from_database(url)
    assert ETALUKIO in [r.service.id for r in finder.rank("nettilukio aikuisille", None)][:3]


def test_cli_imports_files_and_reports(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli(["import", "--files", str(FIXTURES), "--database-url", url, "--no-progress"]) == 0
    assert "2 added" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert (
        cli(
            [
                "import",
                "--files",
                str(FIXTURES),
                str(broken),
                "--database-url",
                url,
                "--no-progress",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "0 changed in all" in captured.out
    assert "broken.json" in captured.err and "not valid JSON" in captured.err
    assert (
        cli(["import", "--files", str(FIXTURES), "--since", "yesterday", "--database-url", url])
        == 1
    )


def postgres_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
        return True
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
        return False


def test_import_into_postgresql():
    if not postgres_available():
        pytest.skip("PostgreSQL not running on 127.0.0.1:5432")
    schema = f"ptv_test_{uuid.uuid4().hex[:10]}"
    url = "postgresql://postgres@127.0.0.1:5432/test"
    admin = create_engine(url, future=True)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(url, future=True, connect_args={"options": f"-csearch_path={schema}"})
    try:
        items = all_fixture_items() + [variant(load(SERVICE_FILE), i) for i in range(50)]
        too_long = variant(load(SERVICE_FILE), 99)
        too_long["serviceNames"][1]["value"] = "N" * 400  # the flat name is cut, texts keep it
        first = PtvImporter(engine).run(reader.read_document(items + [too_long], "pg"))
        assert (first.services_added, first.channels_added, first.problems) == (53, 1, [])
        before = dump(engine)
        second = PtvImporter(engine).run(reader.read_document(items + [too_long], "pg"))
        assert second.changed == 0 and dump(engine) == before
        with Session(engine, future=True) as session:
            assert len(session.get(ServiceRow, too_long["id"]).name) == 300
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
