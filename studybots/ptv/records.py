"""The project's own PTV records: plain dataclasses, no API version in them.

A reader (`studybots.ptv.v11.PtvV11Reader`, a future v12 reader) turns wire
JSON into these; the importer writes only these. Records are frozen and
contain only tuples, strings, numbers, booleans and None, so `repr()` is a
stable canonical form: its hash says whether a record changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

# Bump when the records change shape: every record then counts as changed once.
RECORD_FORMAT = "1"
LANGUAGE_ORDER = ("fi", "sv", "en")


@dataclass(frozen=True)
class LocalText:
    kind: str  # name | alt_name | summary | description | user_instructions | keyword | ...
    language: str
    value: str
    position: int = 0  # order within (kind, language), or the address/hour it belongs to


@dataclass(frozen=True)
class Classification:
    scheme: str  # life_event | target_group | service_class | industrial_class
    code: str
    uri: str = ""


@dataclass(frozen=True)
class OntologyTermRecord:
    uri: str
    ontology_type: str
    code: str | None
    parent_uri: str | None
    names: tuple[tuple[str, str], ...]  # (language, name)

    def name(self, language: str) -> str | None:
        return next((v for lang, v in self.names if lang == language), None)


@dataclass(frozen=True)
class OrganisationRole:
    organisation_id: str
    name: str
    role: str  # Responsible | Producer | OtherResponsible
    provision_type: str | None = None


@dataclass(frozen=True)
class AreaRecord:
    """One municipality of an area; municipality_code '' for areas given by
    code only, area_code '' where PTV gives none (Municipality areas)."""

    area_type: str
    area_code: str
    municipality_code: str


@dataclass(frozen=True)
class PlaceName:
    area_type: str  # Municipality | Region | BusinessSubRegion | HospitalDistrict
    code: str
    language: str
    name: str


@dataclass(frozen=True)
class ChannelLink:
    channel_id: str
    channel_name: str
    position: int
    charge_type: str | None = None
    modified: str | None = None
    texts: tuple[LocalText, ...] = ()


@dataclass(frozen=True)
class Phone:
    position: int
    number: str
    prefix: str | None = None
    phone_type: str | None = None
    language: str | None = None
    is_finnish_service_number: bool | None = None
    charge_type: str | None = None
    charge_description: str | None = None
    additional_information: str | None = None


@dataclass(frozen=True)
class WebPage:
    position: int
    url: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Address:
    position: int
    address_type: str | None = None
    sub_type: str | None = None
    street_number: str | None = None
    postal_code: str | None = None
    municipality_code: str | None = None
    country: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    coordinate_state: str | None = None


@dataclass(frozen=True)
class OpeningTime:
    position: int
    day_from: str | None
    day_to: str | None
    time_from: str | None
    time_to: str | None


@dataclass(frozen=True)
class ServiceHour:
    position: int
    hour_type: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    is_closed: bool | None = None
    valid_for_now: bool | None = None
    is_always_open: bool | None = None
    is_reservation: bool | None = None
    openings: tuple[OpeningTime, ...] = ()


def _preferred(texts: Iterable[LocalText], kind: str, language: str) -> str:
    """The text of `kind` in `language`, else in fi, sv, en, any."""
    candidates = [t for t in texts if t.kind == kind]
    for lang in (language, *LANGUAGE_ORDER):
        for t in candidates:
            if t.language == lang:
                return t.value
    return candidates[0].value if candidates else ""


@dataclass(frozen=True)
class ServiceRecord:
    id: str
    service_type: str = "Service"  # Service | PermitOrObligation | ProfessionalQualification
    funding_type: str | None = None
    charge_type: str | None = None
    area_type: str | None = None  # Nationwide | NationwideExceptAlandIslands | LimitedType
    publishing_status: str | None = None
    modified: str | None = None
    languages: tuple[str, ...] = ()
    texts: tuple[LocalText, ...] = ()
    classifications: tuple[Classification, ...] = ()
    ontology_terms: tuple[OntologyTermRecord, ...] = ()
    organisations: tuple[OrganisationRole, ...] = ()
    areas: tuple[AreaRecord, ...] = ()
    place_names: tuple[PlaceName, ...] = ()
    channels: tuple[ChannelLink, ...] = ()

    def text(self, kind: str, language: str = "fi") -> str:
        return _preferred(self.texts, kind, language)

    def values(self, kind: str, language: str = "fi") -> list[str]:
        return [
            t.value
            for t in sorted(self.texts, key=lambda t: t.position)
            if t.kind == kind and t.language == language
        ]

    @property
    def municipalities(self) -> list[str]:
        """Municipality codes in PTV's order, without repeats."""
        return list(dict.fromkeys(a.municipality_code for a in self.areas if a.municipality_code))

    def content_hash(self) -> str:
        return record_hash(self)


@dataclass(frozen=True)
class ChannelRecord:
    id: str
    channel_type: str  # EChannel | WebPage | PrintableForm | Phone | ServiceLocation
    organisation_id: str | None = None
    area_type: str | None = None
    publishing_status: str | None = None
    modified: str | None = None
    languages: tuple[str, ...] = ()
    texts: tuple[LocalText, ...] = ()
    phones: tuple[Phone, ...] = ()
    web_pages: tuple[WebPage, ...] = ()
    addresses: tuple[Address, ...] = ()
    service_hours: tuple[ServiceHour, ...] = ()
    areas: tuple[AreaRecord, ...] = ()
    place_names: tuple[PlaceName, ...] = ()

    def text(self, kind: str, language: str = "fi") -> str:
        return _preferred(self.texts, kind, language)

    def content_hash(self) -> str:
        return record_hash(self)


@dataclass(frozen=True)
class RecordProblem:
    """A record that was skipped: where it came from, its id (or a position
    when it has none) and why."""

    source: str
    record_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: record {self.record_id}: {self.message}"


Item = ServiceRecord | ChannelRecord | RecordProblem


class PtvReader(Protocol):
    """What an API-version reader offers the importer."""

    version: str

    def read_document(self, data: object, source: str) -> Iterator[Item]:
        """Records (and problems) of one parsed JSON document: a single
        service or channel, a page {itemList}, a list, or a dict of them."""


@dataclass
class RecordError(Exception):
    record_id: str
    message: str
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"record {self.record_id}: {self.message}"


def record_hash(record: ServiceRecord | ChannelRecord) -> str:
    return hashlib.sha256(f"{RECORD_FORMAT}|{record!r}".encode()).hexdigest()
