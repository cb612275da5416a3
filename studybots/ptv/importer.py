"""Write PTV records into the service database: upsert with change detection.

Each service and channel row keeps the hash of the record it was written
from; a record whose hash is unchanged is not touched, so importing the same
data twice changes nothing. A changed record has its detail rows replaced.
A record that cannot be written is reported with its id and skipped; the
import goes on. Records are written in batches with SQLAlchemy Core
(executemany), which is what makes 30,000 services a matter of seconds.

The project's own fields of a service (phase, dimension, student_relevance,
wellbeing) are never overwritten by an import. A PTV service that a curated
row describes (curated `ptv_id`) is not imported twice: it is skipped and
counted as 'linked'.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import String, bindparam, delete, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from studybots.ptv.records import (
    ChannelRecord,
    Item,
    RecordError,
    RecordProblem,
    ServiceRecord,
)
from studybots.services.model import (
    CHANNEL_DETAIL_TABLES,
    SERVICE_DETAIL_TABLES,
    AreaName,
    ChannelAddress,
    ChannelArea,
    ChannelOpeningTime,
    ChannelPhone,
    ChannelServiceHour,
    ChannelText,
    ChannelWebPage,
    ImportState,
    OntologyTerm,
    Organisation,
    ServiceArea,
    ServiceChannelLink,
    ServiceChannelLinkText,
    ServiceChannelRow,
    ServiceCode,
    ServiceOntologyTerm,
    ServiceOrganisation,
    ServiceRow,
    ServiceText,
    ensure_schema,
)

PTV_RELEVANCE = 0.0
PUBLISHED = {None, "Published"}
SERVICES = ServiceRow.__table__
CHANNELS = ServiceChannelRow.__table__
# Columns an import may set on an existing services row (never the project's own).
SERVICE_PTV_COLUMNS = (
    "name",
    "description",
    "provider",
    "url",
    "service_type",
    "area_type",
    "municipality",
    "keywords",
    "ptv_area_type",
    "charge_type",
    "funding_type",
    "publishing_status",
    "languages",
    "ptv_modified",
    "content_hash",
)
# Derived columns cut to fit; the full text is in service_texts / channel_texts.
CLIPPED = {"name", "provider", "url"}
CHUNK = 500  # ids per IN (...) clause


def _limits(table) -> dict[str, int]:
    return {
        c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length
    }


LIMITS = {
    t.name: _limits(t)
    for t in (
        SERVICES,
        CHANNELS,
        *(m.__table__ for m in SERVICE_DETAIL_TABLES + CHANNEL_DETAIL_TABLES),
        Organisation.__table__,
        OntologyTerm.__table__,
        AreaName.__table__,
    )
}


def parse_time(value: str | None) -> dt.datetime | None:
    """PTV's 'modified' ('2020-04-22T09:35:58.293984', sometimes with 'Z' or an
    offset) or a date given on the command line, as naive UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


@dataclass
class ImportReport:
    services_added: int = 0
    services_changed: int = 0
    services_unchanged: int = 0
    services_removed: int = 0
    services_linked: int = 0  # described by a curated row: kept curated
    channels_added: int = 0
    channels_changed: int = 0
    channels_unchanged: int = 0
    channels_removed: int = 0
    not_modified: int = 0  # older than --since
    unpublished_skipped: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    newest_modified: str | None = None

    @property
    def changed(self) -> int:
        """Rows written or removed: 0 means the database is as it was."""
        return (
            self.services_added
            + self.services_changed
            + self.services_removed
            + self.channels_added
            + self.channels_changed
            + self.channels_removed
        )

    def summary(self) -> str:
        return (
            f"services: {self.services_added} added, {self.services_changed} changed, "
            f"{self.services_unchanged} unchanged, {self.services_removed} removed, "
            f"{self.services_linked} kept as curated; channels: {self.channels_added} added, "
            f"{self.channels_changed} changed, {self.channels_unchanged} unchanged, "
            f"{self.channels_removed} removed; {self.not_modified} not modified since, "
            f"{self.unpublished_skipped} unpublished skipped; {len(self.problems)} skipped "
            f"as bad; {self.changed} changed in all"
        )


def _check_lengths(record_id: str, table: str, row: dict) -> None:
    limits = LIMITS[table]
    for key, value in row.items():
        limit = limits.get(key)
        if limit and type(value) is str and len(value) > limit:
            raise RecordError(
                record_id,
                f"{table}.{key} is {len(value)} characters, at most {limit} fit: {value[:60]!r}...",
            )


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class _Rows:
    """Rows of one batch, per table, ready for executemany."""

    tables: dict = field(default_factory=dict)

    def add(self, table, rows: list[dict]) -> None:
        if rows:
            self.tables.setdefault(table, []).extend(rows)


@dataclass
class _Plan:
    """What one batch does to one kind of record (services or channels)."""

    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # updated: old detail rows go
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


class PtvImporter:
    def __init__(
        self,
        target: Engine | Connection,
        *,
        home_municipality: str = "853",
        known_codes: dict[str, set[str]] | None = None,
        batch_size: int = 500,
        progress: bool = False,
        since: dt.datetime | None = None,
        state_key: str | None = None,
        create_schema: bool = True,
    ):
        self.engine = target if isinstance(target, Engine) else None
        self.connection = target if isinstance(target, Connection) else None
        if create_schema and self.engine is not None:
            ensure_schema(self.engine)
        self.home = home_municipality
        self.known_codes = known_codes
        self.batch_size = batch_size
        self.progress = progress
        self.since = since
        self.state_key = state_key
        self.report = ImportReport()
        self._unknown_codes: Counter = Counter()
        self._organisations: dict[str, str] | None = None
        self._terms: dict[str, tuple] | None = None
        self._places: dict[tuple, str] | None = None
        self._curated_ptv: set[str] = set()

    # ---------------------------------------------------------------- driver
    def run(
        self, items: Iterable[Item], total: int | Callable[[], int | None] | None = None
    ) -> ImportReport:
        """total: the number of records, or a function that knows it once the
        first page has come (for the progress bar only)."""
        from tqdm import tqdm

        with self._transaction() as conn:
            self._load_shared(conn)
        services: dict[str, ServiceRecord] = {}
        channels: dict[str, ChannelRecord] = {}
        estimate = total if callable(total) else None
        bar = tqdm(
            total=None if callable(total) else total,
            unit=" records",
            disable=None if self.progress else True,
            mininterval=0.5,
        )
        try:
            for item in items:
                if estimate is not None and bar.total is None and estimate():
                    bar.total = estimate()
                    bar.refresh()
                bar.update(1)
                if isinstance(item, RecordProblem):
                    self.report.problems.append(item)
                    continue
                if self._older_than_since(item):
                    self.report.not_modified += 1
                    continue
                self._note_modified(item.modified)
                if isinstance(item, ServiceRecord):  # a repeated id: the later record wins
                    services[item.id] = item
                else:
                    channels[item.id] = item
                if len(services) + len(channels) >= self.batch_size:
                    self._flush(services, channels)
            self._flush(services, channels)
        finally:
            bar.close()
        self._save_state()
        for (scheme, code), count in sorted(self._unknown_codes.items()):
            self.report.warnings.append(
                f"code {code} ({scheme}) is not in the catalogue's code lists "
                f"(catalogue/codes/); {count} service(s) use it"
            )
        return self.report

    def _older_than_since(self, record: ServiceRecord | ChannelRecord) -> bool:
        if self.since is None:
            return False
        modified = parse_time(record.modified)
        return modified is not None and modified <= self.since

    def _note_modified(self, modified: str | None) -> None:
        parsed = parse_time(modified)
        if modified and parsed is not None:
            newest = parse_time(self.report.newest_modified)
            if newest is None or parsed > newest:
                self.report.newest_modified = modified

    def _transaction(self):
        if self.engine is not None:
            return self.engine.begin()
        return _Borrowed(self.connection)

    def _flush(self, services: dict, channels: dict) -> None:
        if not services and not channels:
            return
        service_list, channel_list = list(services.values()), list(channels.values())
        services.clear()
        channels.clear()
        snapshot = self._snapshot()
        try:
            with self._transaction() as conn:
                self._write(conn, service_list, channel_list)
        except SQLAlchemyError as exc:
            if self.engine is None:
                raise
            # Find the record(s) the database refused: one transaction each.
            self._restore(snapshot)
            for record in service_list + channel_list:
                inner = self._snapshot()
                try:
                    with self.engine.begin() as conn:
                        self._write(
                            conn,
                            *(
                                ([record], [])
                                if isinstance(record, ServiceRecord)
                                else ([], [record])
                            ),
                        )
                except SQLAlchemyError as record_exc:
                    self._restore(inner)
                    message = str(record_exc.orig if hasattr(record_exc, "orig") else record_exc)
                    self.report.problems.append(
                        RecordProblem(
                            "database", record.id, f"not written: {message.splitlines()[0]}"
                        )
                    )
            del exc

    def _snapshot(self) -> tuple:
        r = self.report
        counters = {k: v for k, v in vars(r).items() if isinstance(v, int)}
        return (
            counters,
            len(r.problems),
            dict(self._organisations or {}),
            dict(self._terms or {}),
            dict(self._places or {}),
        )

    def _restore(self, snapshot: tuple) -> None:
        counters, problems, self._organisations, self._terms, self._places = snapshot
        for key, value in counters.items():
            setattr(self.report, key, value)
        del self.report.problems[problems:]

    # ------------------------------------------------------------- shared rows
    def _load_shared(self, conn: Connection) -> None:
        self._organisations = dict(conn.execute(select(Organisation.id, Organisation.name)).all())
        self._terms = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                select(
                    OntologyTerm.uri,
                    OntologyTerm.ontology_type,
                    OntologyTerm.code,
                    OntologyTerm.parent_uri,
                    OntologyTerm.name_fi,
                    OntologyTerm.name_sv,
                    OntologyTerm.name_en,
                )
            )
        }
        self._places = {
            tuple(row[:3]): row[3]
            for row in conn.execute(
                select(AreaName.area_type, AreaName.code, AreaName.language, AreaName.name)
            )
        }
        self._curated_ptv = set(
            conn.execute(
                select(ServiceRow.ptv_id).where(
                    ServiceRow.source == "curated", ServiceRow.ptv_id.is_not(None)
                )
            ).scalars()
        )

    def _upsert_shared(self, conn: Connection, records: list) -> None:
        assert self._organisations is not None and self._terms is not None, "_load_shared first"
        assert self._places is not None, "_load_shared first"
        org_new: dict[str, dict[str, Any]] = {}
        org_changed: dict[str, dict[str, Any]] = {}
        term_new: dict[str, dict[str, Any]] = {}
        term_changed: dict[str, dict[str, Any]] = {}
        place_new: dict[tuple[str, str, str], dict[str, Any]] = {}
        place_changed: dict[tuple[str, str, str], dict[str, Any]] = {}
        for record in records:
            for o in getattr(record, "organisations", ()):
                if o.name and self._organisations.get(o.organisation_id) != o.name:
                    target = org_changed if o.organisation_id in self._organisations else org_new
                    target[o.organisation_id] = {"id": o.organisation_id, "name": o.name[:300]}
                elif o.organisation_id not in self._organisations:
                    org_new[o.organisation_id] = {"id": o.organisation_id, "name": o.name[:300]}
                self._organisations[o.organisation_id] = o.name or self._organisations.get(
                    o.organisation_id, ""
                )
            for t in getattr(record, "ontology_terms", ()):
                values = (
                    t.ontology_type[:30],
                    t.code,
                    t.parent_uri,
                    t.name("fi"),
                    t.name("sv"),
                    t.name("en"),
                )
                if self._terms.get(t.uri) != values:
                    target = term_changed if t.uri in self._terms else term_new
                    row = dict(
                        zip(
                            (
                                "uri",
                                "ontology_type",
                                "code",
                                "parent_uri",
                                "name_fi",
                                "name_sv",
                                "name_en",
                            ),
                            (t.uri, *values),
                        )
                    )
                    _check_lengths(record.id, "ontology_terms", row)
                    target[t.uri] = row
                    self._terms[t.uri] = values
            for p in record.place_names:
                key = (p.area_type, p.code, p.language)
                if self._places.get(key) != p.name:
                    place_target = place_changed if key in self._places else place_new
                    row = {
                        "area_type": p.area_type,
                        "code": p.code,
                        "language": p.language,
                        "name": p.name,
                    }
                    _check_lengths(record.id, "area_names", row)
                    place_target[key] = row
                    self._places[key] = p.name
        org, term, place = Organisation.__table__, OntologyTerm.__table__, AreaName.__table__
        if org_new:
            conn.execute(org.insert(), list(org_new.values()))
        if org_changed:
            conn.execute(
                update(org).where(org.c.id == bindparam("b_id")).values(name=bindparam("name")),
                [{"b_id": r["id"], "name": r["name"]} for r in org_changed.values()],
            )
        if term_new:
            conn.execute(term.insert(), list(term_new.values()))
        if term_changed:
            conn.execute(
                update(term)
                .where(term.c.uri == bindparam("b_uri"))
                .values(
                    {
                        c: bindparam(c)
                        for c in (
                            "ontology_type",
                            "code",
                            "parent_uri",
                            "name_fi",
                            "name_sv",
                            "name_en",
                        )
                    }
                ),
                [
                    {"b_uri": r["uri"], **{k: v for k, v in r.items() if k != "uri"}}
                    for r in term_changed.values()
                ],
            )
        if place_new:
            conn.execute(place.insert(), list(place_new.values()))
        if place_changed:
            conn.execute(
                update(place)
                .where(
                    place.c.area_type == bindparam("b_type"),
                    place.c.code == bindparam("b_code"),
                    place.c.language == bindparam("b_lang"),
                )
                .values(name=bindparam("name")),
                [
                    {
                        "b_type": r["area_type"],
                        "b_code": r["code"],
                        "b_lang": r["language"],
                        "name": r["name"],
                    }
                    for r in place_changed.values()
                ],
            )

    # ----------------------------------------------------------------- writing
    def _write(
        self, conn: Connection, services: list[ServiceRecord], channels: list[ChannelRecord]
    ) -> None:
        rows = _Rows()
        accepted: list = []
        existing = {}
        for chunk in _chunks([s.id for s in services]):
            existing.update(
                {
                    row[0]: (row[1], row[2])
                    for row in conn.execute(
                        select(ServiceRow.id, ServiceRow.content_hash, ServiceRow.source).where(
                            ServiceRow.id.in_(chunk)
                        )
                    )
                }
            )
        importable = []
        for record in services:
            if record.id in self._curated_ptv:
                self.report.services_linked += 1
                continue
            old = existing.get(record.id)
            if old is not None and old[1] != "ptv":
                self.report.problems.append(
                    RecordProblem(
                        "database", record.id, f"id is taken by a {old[1]} service; skipped"
                    )
                )
                continue
            importable.append(record)
        service_plan = self._plan(
            importable, {i: h for i, (h, _) in existing.items()}, self._service_rows, rows, accepted
        )
        self.report.services_added += len(service_plan.inserts)
        self.report.services_changed += len(service_plan.updates)
        self.report.services_unchanged += service_plan.unchanged
        self.report.services_removed += len(service_plan.removed)

        existing_channels = {}
        for chunk in _chunks([c.id for c in channels]):
            existing_channels.update(
                dict(
                    conn.execute(
                        select(ServiceChannelRow.id, ServiceChannelRow.content_hash).where(
                            ServiceChannelRow.id.in_(chunk)
                        )
                    ).all()
                )
            )
        channel_plan = self._plan(channels, existing_channels, self._channel_rows, rows, accepted)
        self.report.channels_added += len(channel_plan.inserts)
        self.report.channels_changed += len(channel_plan.updates)
        self.report.channels_unchanged += channel_plan.unchanged
        self.report.channels_removed += len(channel_plan.removed)

        # Deletes first (old detail rows of changed records, removed records),
        # then shared rows, parents, details.
        for ids in _chunks(service_plan.replaced + service_plan.removed):
            for model in SERVICE_DETAIL_TABLES:
                conn.execute(delete(model.__table__).where(model.__table__.c.service_id.in_(ids)))
        for ids in _chunks(service_plan.removed):
            conn.execute(delete(SERVICES).where(SERVICES.c.id.in_(ids)))
        for ids in _chunks(channel_plan.replaced + channel_plan.removed):
            for model in CHANNEL_DETAIL_TABLES:
                conn.execute(delete(model.__table__).where(model.__table__.c.channel_id.in_(ids)))
        for ids in _chunks(channel_plan.removed):
            conn.execute(delete(CHANNELS).where(CHANNELS.c.id.in_(ids)))
        self._upsert_shared(conn, accepted)
        if service_plan.inserts:
            conn.execute(SERVICES.insert(), service_plan.inserts)
        if service_plan.updates:
            conn.execute(
                update(SERVICES)
                .where(SERVICES.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in SERVICE_PTV_COLUMNS}),
                [
                    {"b_id": r["id"], **{c: r[c] for c in SERVICE_PTV_COLUMNS}}
                    for r in service_plan.updates
                ],
            )
        if channel_plan.inserts:
            conn.execute(CHANNELS.insert(), channel_plan.inserts)
        if channel_plan.updates:
            columns = [c.name for c in CHANNELS.columns if c.name != "id"]
            conn.execute(
                update(CHANNELS)
                .where(CHANNELS.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in columns}),
                [{"b_id": r["id"], **{c: r[c] for c in columns}} for r in channel_plan.updates],
            )
        order = [m.__table__ for m in reversed(SERVICE_DETAIL_TABLES + CHANNEL_DETAIL_TABLES)]
        for table in order:
            if table in rows.tables:
                conn.execute(table.insert(), rows.tables[table])

    def _plan(
        self, records: list, known: dict[str, str], build: Callable, rows: _Rows, accepted: list
    ) -> _Plan:
        """Sort records (services or channels) against the hashes already
        stored (`known`: id -> content hash): new ones are inserted, changed
        ones updated, unpublished ones removed, unchanged ones left alone. The
        detail rows of what is written go into `rows`, the records into
        `accepted`; a record whose rows cannot be built is reported and skipped."""
        plan = _Plan()
        for record in records:
            is_known = record.id in known
            if record.publishing_status not in PUBLISHED:
                if is_known:
                    plan.removed.append(record.id)
                else:
                    self.report.unpublished_skipped += 1
                continue
            digest = record.content_hash()
            if is_known and known[record.id] == digest:
                plan.unchanged += 1
                continue
            try:
                flat, details = build(record, digest)
            except RecordError as exc:
                self.report.problems.append(RecordProblem("record", exc.record_id, exc.message))
                continue
            for table, table_rows in details:
                rows.add(table, table_rows)
            accepted.append(record)
            if is_known:
                plan.updates.append(flat)
                plan.replaced.append(record.id)
            else:
                plan.inserts.append(flat)
        return plan

    # ------------------------------------------------------------ row builders
    def _service_rows(self, s: ServiceRecord, digest: str) -> tuple[dict, list]:
        municipalities = s.municipalities
        if self.home in municipalities:
            municipality = self.home
        elif s.area_type == "LimitedType" and municipalities:
            municipality = municipalities[0]
        else:
            municipality = None
        provider = next(
            (
                o.name
                for role in ("Responsible", "Producer", "OtherResponsible")
                for o in s.organisations
                if o.role == role and o.name
            ),
            "",
        )
        flat = {
            "id": s.id,
            "source": "ptv",
            "ptv_id": s.id,
            "name": s.text("name")[:300],
            "description": s.text("summary") or s.text("description"),
            "provider": provider[:200],
            "url": f"https://www.suomi.fi/palvelut/{s.id}",
            "service_type": s.service_type,
            "area_type": "Municipality" if s.area_type == "LimitedType" else "Nationwide",
            "municipality": municipality,
            "phase": None,
            "dimension": None,
            "student_relevance": PTV_RELEVANCE,
            "keywords": ";".join(k.replace(";", ",") for k in s.values("keyword")),
            "wellbeing": "",
            "ptv_area_type": s.area_type,
            "charge_type": s.charge_type,
            "funding_type": s.funding_type,
            "publishing_status": s.publishing_status,
            "languages": ";".join(s.languages),
            "ptv_modified": s.modified,
            "content_hash": digest,
        }
        _check_lengths(s.id, "services", {k: v for k, v in flat.items() if k not in CLIPPED})
        sid = s.id
        texts = [
            {
                "service_id": sid,
                "kind": t.kind,
                "language": t.language,
                "position": t.position,
                "value": t.value,
            }
            for t in s.texts
        ]
        codes = [{"service_id": sid, "scheme": c.scheme, "code": c.code} for c in s.classifications]
        if self.known_codes is not None:
            for c in s.classifications:
                known = self.known_codes.get(c.scheme)
                if known is not None and c.code not in known:
                    self._unknown_codes[(c.scheme, c.code)] += 1
        organisations = [
            {
                "service_id": sid,
                "organisation_id": o.organisation_id,
                "role": o.role,
                "provision_type": o.provision_type,
            }
            for o in s.organisations
        ]
        areas = [
            {
                "service_id": sid,
                "area_type": a.area_type,
                "area_code": a.area_code,
                "municipality_code": a.municipality_code,
            }
            for a in s.areas
        ]
        terms = [{"service_id": sid, "uri": t.uri} for t in s.ontology_terms]
        links = [
            {
                "service_id": sid,
                "channel_id": c.channel_id,
                "position": c.position,
                "channel_name": c.channel_name[:300],
                "charge_type": c.charge_type,
                "ptv_modified": c.modified,
            }
            for c in s.channels
        ]
        link_texts = [
            {
                "service_id": sid,
                "channel_id": c.channel_id,
                "kind": t.kind,
                "language": t.language,
                "value": t.value,
            }
            for c in s.channels
            for t in c.texts
            if t.position == 0
        ]
        details: list[tuple[Any, list[dict[str, Any]]]] = [
            (ServiceText.__table__, texts),
            (ServiceCode.__table__, codes),
            (ServiceOrganisation.__table__, organisations),
            (ServiceArea.__table__, areas),
            (ServiceOntologyTerm.__table__, terms),
            (ServiceChannelLink.__table__, links),
            (ServiceChannelLinkText.__table__, link_texts),
        ]
        for table, table_rows in details:
            for row in table_rows:
                _check_lengths(sid, table.name, row)
        return flat, details

    def _channel_rows(self, c: ChannelRecord, digest: str) -> tuple[dict, list]:
        cid = c.id
        url = next(
            (w.url for w in c.web_pages if w.language == "fi"),
            c.web_pages[0].url if c.web_pages else "",
        )
        flat = {
            "id": cid,
            "channel_type": c.channel_type,
            "organisation_id": c.organisation_id,
            "name": c.text("name")[:300],
            "url": url[:500],
            "ptv_area_type": c.area_type,
            "publishing_status": c.publishing_status,
            "languages": ";".join(c.languages),
            "ptv_modified": c.modified,
            "content_hash": digest,
        }
        _check_lengths(cid, "service_channels", flat)
        details: list[tuple[Any, list[dict[str, Any]]]] = [
            (
                ChannelText.__table__,
                [
                    {
                        "channel_id": cid,
                        "kind": t.kind,
                        "position": t.position,
                        "language": t.language,
                        "value": t.value,
                    }
                    for t in c.texts
                ],
            ),
            (
                ChannelPhone.__table__,
                [
                    {
                        "channel_id": cid,
                        "position": p.position,
                        "number": p.number,
                        "prefix": p.prefix,
                        "phone_type": p.phone_type,
                        "language": p.language,
                        "is_finnish_service_number": p.is_finnish_service_number,
                        "charge_type": p.charge_type,
                        "charge_description": p.charge_description,
                        "additional_information": p.additional_information,
                    }
                    for p in c.phones
                ],
            ),
            (
                ChannelWebPage.__table__,
                [
                    {
                        "channel_id": cid,
                        "position": w.position,
                        "url": w.url,
                        "name": w.name,
                        "language": w.language,
                    }
                    for w in c.web_pages
                ],
            ),
            (
                ChannelAddress.__table__,
                [
                    {
                        "channel_id": cid,
                        "position": a.position,
                        "address_type": a.address_type,
                        "sub_type": a.sub_type,
                        "street_number": a.street_number,
                        "postal_code": a.postal_code,
                        "municipality_code": a.municipality_code,
                        "country": a.country,
                        "latitude": a.latitude,
                        "longitude": a.longitude,
                        "coordinate_state": a.coordinate_state,
                    }
                    for a in c.addresses
                ],
            ),
            (
                ChannelServiceHour.__table__,
                [
                    {
                        "channel_id": cid,
                        "position": h.position,
                        "hour_type": h.hour_type,
                        "valid_from": h.valid_from,
                        "valid_to": h.valid_to,
                        "is_closed": h.is_closed,
                        "valid_for_now": h.valid_for_now,
                        "is_always_open": h.is_always_open,
                        "is_reservation": h.is_reservation,
                    }
                    for h in c.service_hours
                ],
            ),
            (
                ChannelOpeningTime.__table__,
                [
                    {
                        "channel_id": cid,
                        "hour_position": h.position,
                        "position": o.position,
                        "day_from": o.day_from,
                        "day_to": o.day_to,
                        "time_from": o.time_from,
                        "time_to": o.time_to,
                    }
                    for h in c.service_hours
                    for o in h.openings
                ],
            ),
            (
                ChannelArea.__table__,
                [
                    {
                        "channel_id": cid,
                        "area_type": a.area_type,
                        "area_code": a.area_code,
                        "municipality_code": a.municipality_code,
                    }
                    for a in c.areas
                ],
            ),
        ]
        for table, table_rows in details:
            for row in table_rows:
                _check_lengths(cid, table.name, row)
        return flat, details

    # ------------------------------------------------------------------- state
    def _save_state(self) -> None:
        newest = self.report.newest_modified
        if not self.state_key or not newest:
            return
        with self._transaction() as conn:
            table = ImportState.__table__
            old = conn.execute(select(table.c.value).where(table.c.key == self.state_key)).scalar()
            old_time, new_time = parse_time(old), parse_time(newest)
            if old is None:
                conn.execute(table.insert(), {"key": self.state_key, "value": newest})
            elif old_time is None or (new_time is not None and new_time > old_time):
                conn.execute(
                    update(table).where(table.c.key == self.state_key).values(value=newest)
                )


def last_modified(target: Engine | Connection, key: str) -> str | None:
    """The newest 'modified' an earlier import of `key` saw (for --since auto)."""
    table = ImportState.__table__
    query = select(table.c.value).where(table.c.key == key)
    if isinstance(target, Connection):
        return target.execute(query).scalar()
    with target.connect() as conn:
        return conn.execute(query).scalar()


class _Borrowed:
    """A caller's connection (and transaction) used as is: build.py writes
    the whole catalogue in one transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: object) -> Literal[False]:
        return False
