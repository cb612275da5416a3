"""Build the service database from the catalogue tables.

`python -m studybots.build.servicedb` replaces the contents of the service
tables with what the catalogue says, in one transaction: a running action
server never sees a half-built catalogue. Curated services carry their PTV id
when they describe a real PTV service; that PTV row is then not added twice.

PTV services come from two places: `ptv/services.csv` (name and summary from
the AuroraAI sheets) and the PTV open API JSON files in `ptv/v11/`, read by
`studybots.ptv` with all their texts, classifications and channels. A service
in both keeps the sheet's well-being marks and gets everything else from the
JSON. A bad JSON record is reported and left out; it does not stop the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from studybots.catalogue.load import Catalogue, load_or_report
from studybots.catalogue.schema import CODE_LISTS
from studybots.catalogue.tables import read_table
from studybots.core import db
from studybots.core.settings import load_settings
from studybots.ptv.client import json_files, read_files
from studybots.ptv.importer import ImportReport, PtvImporter
from studybots.ptv.v11 import PtvV11Reader
from studybots.services.model import (
    CHANNEL_DETAIL_TABLES,
    SERVICE_DETAIL_TABLES,
    AreaName,
    CodeLabel,
    ImportState,
    NeedRow,
    NeedService,
    OntologyTerm,
    Organisation,
    ServiceChannelRow,
    ServiceCode,
    ServiceRow,
    ServiceText,
    ensure_schema,
)

PTV_CODE_SCHEMES = ("life_event", "target_group", "service_class")
V11_FOLDER = Path("ptv") / "v11"

CURATED_RELEVANCE = 1.0
PTV_RELEVANCE = 0.0


def curated_texts(catalogue: Catalogue) -> list[ServiceText]:
    """The curated services' translated names and descriptions as localised
    texts (kinds name and summary), like PTV's own: the finder's text search
    indexes them, so that a Swedish or English question meets a curated
    service in its own words, not only through the Finnish text (the cards
    take the curated texts from the catalogue, as before)."""
    rows = []
    for s in catalogue.services.values():
        for lang, columns in s.translations.items():
            for column, kind in (("name", "name"), ("description", "summary")):
                if columns.get(column):
                    rows.append(
                        ServiceText(
                            service_id=s.id, kind=kind, language=lang, value=columns[column]
                        )
                    )
    return rows


def rows_from_catalogue(catalogue: Catalogue) -> tuple[list[ServiceRow], list[NeedRow]]:
    services: list[ServiceRow] = []
    linked_ptv = set()
    for s in catalogue.services.values():
        row = ServiceRow(
            id=s.id,
            source="curated",
            ptv_id=s.ptv_id or None,
            name=s.name,
            description=s.description,
            provider=s.provider,
            url=s.url,
            service_type=s.service_type,
            area_type=s.area_type,
            municipality=s.municipality or None,
            phase=s.phase,
            dimension=s.dimension,
            student_relevance=CURATED_RELEVANCE,
            keywords=";".join(s.keywords),
            wellbeing="",
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
        services.append(
            ServiceRow(
                id=p.id,
                source="ptv",
                ptv_id=p.id,
                name=p.name,
                description=p.summary,
                provider="",
                url=f"https://www.suomi.fi/palvelut/{p.id}",
                service_type="Service",
                area_type="Municipality" if p.municipality else "Nationwide",
                municipality=p.municipality or None,
                phase=None,
                dimension=None,
                student_relevance=PTV_RELEVANCE,
                keywords="",
                wellbeing=";".join(p.wellbeing),
            )
        )
    needs = []
    for n in catalogue.needs.values():
        row = NeedRow(id=n.id, name=n.name, description=n.description, phase=n.phase)
        row.services = [NeedService(service_id=sid, rank=i) for i, sid in enumerate(n.services)]
        needs.append(row)
    return services, needs


def code_label_rows(catalogue: Catalogue) -> list[CodeLabel]:
    """The PTV code lists. A code listed twice (the exported P list has an
    old P7.12 without a current uri next to the current one) keeps the row
    that has a uri."""
    rows: dict[tuple[str, str], CodeLabel] = {}
    for scheme in PTV_CODE_SCHEMES:
        for r in read_table(catalogue.directory / CODE_LISTS[scheme]).rows:
            c = r.cells
            old = rows.get((scheme, c["code"]))
            if old is not None and old.uri and not c.get("uri"):
                continue
            rows[(scheme, c["code"])] = CodeLabel(
                scheme=scheme,
                code=c["code"],
                parent=c.get("parent") or None,
                fi=c.get("fi"),
                sv=c.get("sv"),
                en=c.get("en"),
                uri=c.get("uri") or None,
            )
    return list(rows.values())


def _print_progress(done: int, total: int) -> None:
    print(f"  service vectors: {done}/{total} new texts embedded", flush=True)


def precompute_embeddings(database_url: str, embedding_cache=None) -> int:
    """Embed every service text the cache does not have yet (the finder
    then only reads vectors). Returns the number of services."""
    from studybots.search.embeddings import passage_text, vectors_for

    engine = db.engine(database_url)
    try:
        with Session(engine, future=True) as session:
            rows = session.execute(select(ServiceRow.name, ServiceRow.description)).all()
            label_rows = [
                {"fi": r.fi, "sv": r.sv, "en": r.en}
                for r in session.execute(select(CodeLabel.fi, CodeLabel.sv, CodeLabel.en))
            ]
    finally:
        engine.dispose()
    from studybots.search.embeddings import VectorCache, query_vectors_for, text_hash
    from studybots.search.language import code_labels

    texts = [passage_text(r.name, r.description or "") for r in rows]
    # Into the service database itself, where every action server reads them.
    target = VectorCache(database_url)
    try:
        # The texts it has vectors for from an earlier build are not embedded
        # again (a publish in a new var directory, a new machine on the same
        # PostgreSQL database); the others come from the machine's cache, or
        # are embedded now (all of them on a fresh machine).
        known = target.get_many([text_hash(t) for t in texts])
        missing = list(dict.fromkeys(t for t in texts if text_hash(t) not in known))
        if missing:
            vectors = vectors_for(missing, embedding_cache, progress=_print_progress)
            target.put_many({text_hash(t): v for t, v in zip(missing, vectors)})
        # The PTV code labels' query vectors: the finder's language offsets
        # (studybots.search.language), so that no server embeds them at start.
        labels = code_labels(label_rows)
        query_vectors_for([t for lang in labels.values() for t in lang], target)
    finally:
        target.dispose()
    return len(rows)


def build_database(
    catalogue: Catalogue,
    database_url: str,
    report: ImportReport | None = None,
    embeddings: bool = True,
) -> int:
    """Rebuild; returns the number of services. `report`, if given, receives
    what the PTV JSON import did (skipped records, unknown codes). With
    `embeddings`, the services' meaning vectors are computed too (only the
    new texts: see studybots.search.embeddings)."""
    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine(database_url)
    ensure_schema(engine)
    services, needs = rows_from_catalogue(catalogue)
    v11_files = (
        json_files([catalogue.directory / V11_FOLDER])
        if (catalogue.directory / V11_FOLDER).is_dir()
        else []
    )
    with Session(engine, future=True) as session, session.begin():
        for table in (
            NeedService,
            NeedRow,
            *SERVICE_DETAIL_TABLES,
            ServiceRow,
            *CHANNEL_DETAIL_TABLES,
            ServiceChannelRow,
            Organisation,
            OntologyTerm,
            AreaName,
            CodeLabel,
            ImportState,
        ):
            session.execute(delete(table))
        session.add_all(services)
        session.add_all(code_label_rows(catalogue))
        session.flush()
        session.add_all(curated_texts(catalogue))
        session.flush()
        if v11_files:
            known = {s: set(catalogue.labels[s]) for s in PTV_CODE_SCHEMES}
            municipality = str((catalogue.meta.get("city") or {}).get("municipality_code", "853"))
            importer = PtvImporter(
                session.connection(), home_municipality=municipality, known_codes=known
            )
            result = importer.run(read_files(v11_files, PtvV11Reader()))
            if report is not None:
                vars(report).update(vars(result))
        session.add_all(needs)
        session.flush()
        count = session.execute(select(func.count()).select_from(ServiceRow)).scalar_one()
    engine.dispose()
    if embeddings:
        precompute_embeddings(database_url)
    return count


def main() -> int:
    settings = load_settings()
    catalogue = load_or_report(settings.catalogue_dir, "Build")
    if catalogue is None:
        return 1
    report = ImportReport()
    count = build_database(catalogue, settings.database_url, report)
    for problem in report.problems:
        print(f"PTV JSON: skipped {problem}", file=sys.stderr)
    for warning in report.warnings:
        print(f"PTV JSON: warning: {warning}", file=sys.stderr)
    print(f"service database built: {count} services -> {settings.database_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
