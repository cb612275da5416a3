"""The service database holds curated and PTV services; the finder ranks."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studybots.ptv.client import read_files
from studybots.ptv.records import ServiceRecord
from studybots.ptv.v11 import PtvV11Reader
from studybots.services.build import build_database
from studybots.services.finder import ServiceFinder
from studybots.services.model import NeedRow, ServiceCode, ServiceRow, make_engine


def test_database_holds_curated_and_ptv_services_with_ptv_ids(database_url, catalogue):
    engine = make_engine(database_url)
    with Session(engine, future=True) as session:
        curated = session.execute(
            select(func.count()).select_from(ServiceRow).where(ServiceRow.source == "curated")
        ).scalar_one()
        ptv = session.execute(
            select(func.count()).select_from(ServiceRow).where(ServiceRow.source == "ptv")
        ).scalar_one()
        tys = session.get(ServiceRow, "tys_asunnot")
        codes = session.execute(
            select(ServiceCode.scheme, ServiceCode.code).where(ServiceCode.service_id == "tys_asunnot")
        ).all()
        linked = session.execute(select(ServiceRow).where(ServiceRow.ptv_id.is_not(None),
                                                          ServiceRow.source == "curated")).scalars().all()
        needs = session.execute(select(func.count()).select_from(NeedRow)).scalar_one()
    engine.dispose()
    assert curated == len(catalogue.services)
    linked_ids = {s.ptv_id for s in linked}
    # PTV rows: the sheet rows (ptv/services.csv) and the API JSON (ptv/v11/).
    v11_ids = {r.id for r in read_files([catalogue.directory / "ptv" / "v11"], PtvV11Reader())
               if isinstance(r, ServiceRecord)}
    assert ptv == len((set(catalogue.ptv_services) | v11_ids) - linked_ids)
    assert tys.municipality == "853" and tys.provider
    assert ("service_class", "P1.1") in codes or any(c[0] == "service_class" for c in codes)
    assert needs == len(catalogue.needs)
    # A PTV service described by a curated row is kept once, under the curated id.
    for s in linked:
        with Session(make_engine(database_url), future=True) as session:
            assert session.get(ServiceRow, s.ptv_id) is None


def test_rebuild_is_idempotent(tmp_path, catalogue):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = build_database(catalogue, url)
    second = build_database(catalogue, url)
    assert first == second
    finder = ServiceFinder.from_database(url)
    assert len(finder.services) == first


def test_need_services_come_first_in_catalogue_order(database_url, catalogue):
    finder = ServiceFinder.from_database(database_url)
    need = catalogue.needs["opiskelupaikka_saatu"]
    # Words that say nothing beyond the need keep the editors' order ...
    results = finder.rank("/tarve", "opiskelupaikka_saatu")
    assert [r.service.id for r in results] == list(need.services)[:5]
    # ... and the student's words may refine it, within the need's services.
    results = finder.rank("sain opiskelupaikan", "opiskelupaikka_saatu")
    assert {r.service.id for r in results} <= set(need.services)
    assert all("tarve" in r.reasons[0] for r in results)
    assert len(results) <= 5
    results = finder.rank("sain opiskelupaikan, mistä haen opintotukea", "opiskelupaikka_saatu")
    assert results[0].service.id == "kela_opintotuki"


def test_free_text_search_finds_services_without_a_need(database_url):
    finder = ServiceFinder.from_database(database_url)
    ids = [r.service.id for r in finder.rank("uimahalli", None)]
    assert "uimahallit_liikunta" in ids[:3]
    ids = [r.service.id for r in finder.rank("kirjastokortti", None)]
    assert "kaupunginkirjasto" in ids[:3]
    assert all(r.reasons for r in finder.rank("kirjastokortti", None))


def test_inflected_forms_match(database_url):
    finder = ServiceFinder.from_database(database_url)
    for query in ("opiskelija-asunnon hakeminen", "opiskelija-asuntoa"):
        assert "tys_asunnot" in [r.service.id for r in finder.rank(query, None)][:3], query


def test_nonsense_and_empty_queries_find_nothing(database_url):
    finder = ServiceFinder.from_database(database_url)
    assert finder.rank("", None) == []
    assert finder.rank("mitä ja miten", None) == []  # only stop words
    assert finder.rank("qqqzzxx", None) == []
