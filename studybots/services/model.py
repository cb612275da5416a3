"""SQLAlchemy model of services, independent of any PTV API version.

One `services` table holds both the curated student services and the real
PTV services; classifications (PTV life events KE, target groups KR, service
classes P) live in `service_codes`, Paavo's needs in `needs`/`need_services`.
Written in SQLAlchemy 2.0 style (select(), Session.execute, future engines)
so it runs unchanged on the 1.4 that Rasa pins.
"""
from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


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

    codes = relationship("ServiceCode", cascade="all, delete-orphan", lazy="selectin")


class ServiceCode(Base):
    __tablename__ = "service_codes"

    service_id = Column(String(64), ForeignKey("services.id", ondelete="CASCADE"),
                        primary_key=True)
    scheme = Column(String(16), primary_key=True)  # life_event | target_group | service_class
    code = Column(String(32), primary_key=True)


class NeedRow(Base):
    __tablename__ = "needs"

    id = Column(String(64), primary_key=True)
    name = Column(String(100), nullable=False)
    description = Column(Text, nullable=False, default="")
    phase = Column(String(20))
    services = relationship("NeedService", cascade="all, delete-orphan",
                            order_by="NeedService.rank", lazy="selectin")


class NeedService(Base):
    __tablename__ = "need_services"

    need_id = Column(String(64), ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    service_id = Column(String(64), ForeignKey("services.id", ondelete="CASCADE"),
                        primary_key=True)
    rank = Column(Integer, nullable=False)


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    return engine
