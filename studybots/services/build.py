"""Build the service database from the catalogue tables.

`python -m studybots.services.build` replaces the contents of the service
tables with what the catalogue says, in one transaction: a running action
server never sees a half-built catalogue. Curated services carry their PTV id
when they describe a real PTV service; that PTV row is then not added twice.
"""
from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from studybots.catalogue.load import Catalogue, load_or_report
from studybots.services.model import (
    Base,
    NeedRow,
    NeedService,
    ServiceCode,
    ServiceRow,
    make_engine,
)
from studybots.settings import load_settings

CURATED_RELEVANCE = 1.0
PTV_RELEVANCE = 0.0


def rows_from_catalogue(catalogue: Catalogue) -> tuple[list[ServiceRow], list[NeedRow]]:
    services: list[ServiceRow] = []
    linked_ptv = set()
    for s in catalogue.services.values():
        row = ServiceRow(
            id=s.id, source="curated", ptv_id=s.ptv_id or None, name=s.name,
            description=s.description, provider=s.provider, url=s.url,
            service_type=s.service_type, area_type=s.area_type,
            municipality=s.municipality or None, phase=s.phase, dimension=s.dimension,
            student_relevance=CURATED_RELEVANCE, keywords=";".join(s.keywords), wellbeing="",
        )
        row.codes = (
            [ServiceCode(scheme="life_event", code=c) for c in s.life_events]
            + [ServiceCode(scheme="target_group", code=c) for c in s.target_groups]
            + [ServiceCode(scheme="service_class", code=c) for c in s.service_classes]
        )
        services.append(row)
        if s.ptv_id:
            linked_ptv.add(s.ptv_id)
    for p in catalogue.ptv_services.values():
        if p.id in linked_ptv:
            continue
        services.append(ServiceRow(
            id=p.id, source="ptv", ptv_id=p.id, name=p.name, description=p.summary,
            provider="", url=f"https://www.suomi.fi/palvelut/{p.id}",
            service_type="Service",
            area_type="Municipality" if p.municipality else "Nationwide",
            municipality=p.municipality or None, phase=None, dimension=None,
            student_relevance=PTV_RELEVANCE, keywords="", wellbeing=";".join(p.wellbeing),
        ))
    needs = []
    for n in catalogue.needs.values():
        row = NeedRow(id=n.id, name=n.name, description=n.description, phase=n.phase)
        row.services = [NeedService(service_id=sid, rank=i) for i, sid in enumerate(n.services)]
        needs.append(row)
    return services, needs


def build_database(catalogue: Catalogue, database_url: str) -> int:
    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    services, needs = rows_from_catalogue(catalogue)
    with Session(engine, future=True) as session, session.begin():
        for table in (NeedService, NeedRow, ServiceCode, ServiceRow):
            session.execute(delete(table))
        session.add_all(services)
        session.flush()
        session.add_all(needs)
    engine.dispose()
    return len(services)


def main() -> int:
    settings = load_settings()
    catalogue = load_or_report(settings.catalogue_dir, "Build")
    if catalogue is None:
        return 1
    count = build_database(catalogue, settings.database_url)
    print(f"service database built: {count} services -> {settings.database_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
