"""SQLAlchemy model of services, independent of any PTV API version.

One `services` table holds both the curated student services and the real
PTV services; classifications (PTV life events KE, target groups KR, service
classes P) live in `service_codes`, Paavo's needs in `needs`/`need_services`.
Written in SQLAlchemy 2.0 style (select(), Session.execute, future engines)
so it runs unchanged on the 1.4 that Rasa pins.

The flat columns of `services` (name, description, provider, url,
municipality, ...) are what Paavo's ranking reads. For services imported from
PTV they are derived from the Finnish texts; the full PTV content lives in the
detail tables below: texts per language and kind, organisations, areas and
municipalities, ontology terms, and service channels (web page, phone,
e-service, service location with addresses and opening hours). The fields PTV
lacks (phase of the life event, well-being dimension, student relevance,
well-being marks) are the project's own and an import never overwrites them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship

from studybots.core import db

# SQLAlchemy 1.4 ships no type information and the project does not use its
# mypy plugin (deprecated, and tied to sqlalchemy2-stubs), so the declarative
# base is an honest Any: the models below are checked as ordinary classes and
# their columns are Any to mypy.
Base: Any = declarative_base()


class ServiceRow(Base):
    __tablename__ = "services"

    id = Column(String(64), primary_key=True)
    source = Column(String(16), nullable=False)  # curated | ptv
    ptv_id = Column(String(64), index=True)
    name = Column(String(300), nullable=False)
    description = Column(Text, nullable=False, default="")
    provider = Column(String(200), nullable=False, default="")
    url = Column(String(500), nullable=False, default="")
    service_type = Column(String(40), nullable=False, default="Service")
    area_type = Column(String(20), nullable=False, default="Nationwide")
    municipality = Column(String(3))
    phase = Column(String(20))
    dimension = Column(String(2))
    student_relevance = Column(Float, nullable=False, default=0.0)
    keywords = Column(Text, nullable=False, default="")  # ';'-separated
    wellbeing = Column(Text, nullable=False, default="")  # ';'-separated meters
    # PTV facts kept as they are (empty for curated rows and the CSV rows).
    ptv_area_type = Column(String(40))  # Nationwide | NationwideExceptAlandIslands | LimitedType
    charge_type = Column(String(20))  # Chargeable | FreeOfCharge | Other
    funding_type = Column(String(30))
    publishing_status = Column(String(20))
    languages = Column(String(100))  # ';'-separated language codes
    ptv_modified = Column(String(40))  # PTV's 'modified' (UTC, ISO 8601)
    content_hash = Column(String(64))  # of the imported record: re-import changes nothing

    codes = relationship("ServiceCode", cascade="all, delete-orphan", lazy="selectin")


class ServiceCode(Base):
    __tablename__ = "service_codes"

    service_id = Column(String(64), ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    scheme = Column(String(16), primary_key=True)  # life_event | target_group | service_class
    code = Column(String(32), primary_key=True)


class NeedRow(Base):
    __tablename__ = "needs"

    id = Column(String(64), primary_key=True)
    name = Column(String(100), nullable=False)
    description = Column(Text, nullable=False, default="")
    phase = Column(String(20))
    services = relationship(
        "NeedService", cascade="all, delete-orphan", order_by="NeedService.rank", lazy="selectin"
    )


class NeedService(Base):
    __tablename__ = "need_services"

    need_id = Column(String(64), ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    service_id = Column(String(64), ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    rank = Column(Integer, nullable=False)


def _service_fk() -> ForeignKey:
    return ForeignKey("services.id", ondelete="CASCADE")


def _channel_fk() -> ForeignKey:
    return ForeignKey("service_channels.id", ondelete="CASCADE")


class ServiceText(Base):
    """One localised text: kind name | alt_name | summary | description |
    user_instructions | requirements | keyword | deadline | processing_time |
    validity_time | charge_info | ...; position orders lists (keywords)."""

    __tablename__ = "service_texts"

    service_id = Column(String(64), _service_fk(), primary_key=True)
    kind = Column(String(40), primary_key=True)
    language = Column(String(8), primary_key=True)
    position = Column(Integer, primary_key=True, default=0)
    value = Column(Text, nullable=False)


class Organisation(Base):
    __tablename__ = "organisations"

    id = Column(String(64), primary_key=True)
    name = Column(String(300), nullable=False, default="")


class ServiceOrganisation(Base):
    __tablename__ = "service_organisations"

    service_id = Column(String(64), _service_fk(), primary_key=True)
    organisation_id = Column(String(64), ForeignKey("organisations.id"), primary_key=True)
    role = Column(String(30), primary_key=True)  # Responsible | Producer | OtherResponsible
    provision_type = Column(String(40))


class AreaName(Base):
    """Names of municipalities (area_type 'Municipality', code '853') and of
    other PTV areas (Region, BusinessSubRegion, HospitalDistrict)."""

    __tablename__ = "area_names"

    area_type = Column(String(30), primary_key=True)
    code = Column(String(20), primary_key=True)
    language = Column(String(8), primary_key=True)
    name = Column(String(200), nullable=False)


class ServiceArea(Base):
    """Where a service is offered: one row per municipality of each area
    ('' where PTV gives no code)."""

    __tablename__ = "service_areas"

    service_id = Column(String(64), _service_fk(), primary_key=True)
    area_type = Column(String(30), primary_key=True)
    area_code = Column(String(20), primary_key=True, default="")
    municipality_code = Column(String(3), primary_key=True, default="")


class OntologyTerm(Base):
    __tablename__ = "ontology_terms"

    uri = Column(String(300), primary_key=True)
    ontology_type = Column(String(30), nullable=False, default="")
    code = Column(String(40))
    parent_uri = Column(String(300))
    name_fi = Column(String(300))
    name_sv = Column(String(300))
    name_en = Column(String(300))


class ServiceOntologyTerm(Base):
    __tablename__ = "service_ontology_terms"

    service_id = Column(String(64), _service_fk(), primary_key=True)
    uri = Column(String(300), ForeignKey("ontology_terms.uri"), primary_key=True)


class ServiceChannelRow(Base):
    """A PTV service channel: EChannel, WebPage, PrintableForm, Phone or
    ServiceLocation. name and url are derived (Finnish first)."""

    __tablename__ = "service_channels"

    id = Column(String(64), primary_key=True)
    channel_type = Column(String(30), nullable=False)
    organisation_id = Column(String(64))
    name = Column(String(300), nullable=False, default="")
    url = Column(String(500), nullable=False, default="")
    ptv_area_type = Column(String(40))
    publishing_status = Column(String(20))
    languages = Column(String(100))
    ptv_modified = Column(String(40))
    content_hash = Column(String(64))


class ChannelText(Base):
    """Localised channel texts: name | alt_name | summary | description |
    email | street | post_office | address_info | hours_info; position says
    which address / service hour / email the text belongs to."""

    __tablename__ = "channel_texts"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    kind = Column(String(40), primary_key=True)
    position = Column(Integer, primary_key=True, default=0)
    language = Column(String(8), primary_key=True)
    value = Column(Text, nullable=False)


class ChannelPhone(Base):
    __tablename__ = "channel_phones"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    position = Column(Integer, primary_key=True)
    number = Column(String(60), nullable=False)
    prefix = Column(String(10))
    phone_type = Column(String(20))  # Phone | Sms | Fax
    language = Column(String(8))
    is_finnish_service_number = Column(Boolean)
    charge_type = Column(String(20))
    charge_description = Column(String(300))
    additional_information = Column(String(300))


class ChannelWebPage(Base):
    __tablename__ = "channel_web_pages"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    position = Column(Integer, primary_key=True)
    url = Column(String(500), nullable=False)
    name = Column(String(300))
    language = Column(String(8))


class ChannelAddress(Base):
    """Street, post office and extra lines are in channel_texts (kind street |
    post_office | address_info, same position). Coordinates are EPSG:3067."""

    __tablename__ = "channel_addresses"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    position = Column(Integer, primary_key=True)
    address_type = Column(String(20))  # Location | Postal
    sub_type = Column(String(20))  # Single | Street | PostOfficeBox | Abroad | Other
    street_number = Column(String(30))
    postal_code = Column(String(10))
    municipality_code = Column(String(3))
    country = Column(String(2))
    latitude = Column(String(30))
    longitude = Column(String(30))
    coordinate_state = Column(String(30))


class ChannelServiceHour(Base):
    __tablename__ = "channel_service_hours"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    position = Column(Integer, primary_key=True)
    hour_type = Column(String(20))  # DaysOfTheWeek | Exceptional | OverMidnight
    valid_from = Column(String(40))
    valid_to = Column(String(40))
    is_closed = Column(Boolean)
    valid_for_now = Column(Boolean)
    is_always_open = Column(Boolean)
    is_reservation = Column(Boolean)


class ChannelOpeningTime(Base):
    __tablename__ = "channel_opening_times"
    __table_args__ = (
        ForeignKeyConstraint(
            ["channel_id", "hour_position"],
            ["channel_service_hours.channel_id", "channel_service_hours.position"],
            ondelete="CASCADE",
        ),
    )

    channel_id = Column(String(64), primary_key=True)
    hour_position = Column(Integer, primary_key=True)
    position = Column(Integer, primary_key=True)
    day_from = Column(String(10))
    day_to = Column(String(10))
    time_from = Column(String(10))
    time_to = Column(String(10))


class ChannelArea(Base):
    __tablename__ = "channel_areas"

    channel_id = Column(String(64), _channel_fk(), primary_key=True)
    area_type = Column(String(30), primary_key=True)
    area_code = Column(String(20), primary_key=True, default="")
    municipality_code = Column(String(3), primary_key=True, default="")


class ServiceChannelLink(Base):
    """Service <-> channel. No foreign key to service_channels: a service may
    name a channel whose own record was not imported (yet)."""

    __tablename__ = "service_channel_links"

    service_id = Column(String(64), _service_fk(), primary_key=True)
    channel_id = Column(String(64), primary_key=True, index=True)
    position = Column(Integer, nullable=False, default=0)
    channel_name = Column(String(300))
    charge_type = Column(String(20))
    ptv_modified = Column(String(40))


class ServiceChannelLinkText(Base):
    """Localised texts of a service-channel connection (description, charge_info)."""

    __tablename__ = "service_channel_link_texts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["service_id", "channel_id"],
            ["service_channel_links.service_id", "service_channel_links.channel_id"],
            ondelete="CASCADE",
        ),
    )

    service_id = Column(String(64), primary_key=True)
    channel_id = Column(String(64), primary_key=True)
    kind = Column(String(40), primary_key=True)
    language = Column(String(8), primary_key=True)
    value = Column(Text, nullable=False)


class CodeLabel(Base):
    """The PTV code lists (catalogue/codes/): life_event KE, target_group KR,
    service_class P, with their labels in fi, sv and en."""

    __tablename__ = "code_labels"

    scheme = Column(String(16), primary_key=True)
    code = Column(String(32), primary_key=True)
    parent = Column(String(32))
    fi = Column(String(300))
    sv = Column(String(300))
    en = Column(String(300))
    uri = Column(String(300))


class ImportState(Base):
    """Small key/value memory of the importer, e.g. the newest 'modified'
    seen per source, for incremental imports (--since auto)."""

    __tablename__ = "ptv_import_state"

    key = Column(String(100), primary_key=True)
    value = Column(String(200), nullable=False)


# Children of `services` and `service_channels`, leaves first (delete order).
SERVICE_DETAIL_TABLES = (
    ServiceChannelLinkText,
    ServiceChannelLink,
    ServiceOntologyTerm,
    ServiceArea,
    ServiceOrganisation,
    ServiceText,
    ServiceCode,
)
CHANNEL_DETAIL_TABLES = (
    ChannelOpeningTime,
    ChannelServiceHour,
    ChannelText,
    ChannelPhone,
    ChannelWebPage,
    ChannelAddress,
    ChannelArea,
)


def ensure_schema(engine: Engine) -> list[str]:
    """Create missing tables, and add columns this version introduced to
    tables an older version created (all such columns are nullable).
    Returns the added columns as 'table.column'."""
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        return db.add_missing_columns(conn, Base.metadata)
