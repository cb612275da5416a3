"""Paavo's service ranking: the NLU's need first, lexical search to fill in.

The finder reads the service database once (see `ServiceFinder.from_database`)
and answers queries from memory. Each result says why it was chosen, so that
editors and tests can see the reasoning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from studybots.services.model import NeedRow, ServiceRow, make_engine
from studybots.services.search import LexicalIndex, SearchDoc

MAX_RESULTS = 5
# A lexical hit below this cosine score is noise, not an answer.
MIN_LEXICAL_SCORE = 0.12
# When the NLU recognised a need, its curated services lead and only strong
# lexical matches may join them.
MIN_LEXICAL_SCORE_WITH_NEED = 0.30
# Curated student services outrank general PTV rows at equal text similarity.
STUDENT_BOOST = 1.6
TURKU_BOOST = 1.15


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    description: str
    provider: str
    url: str
    source: str
    area_type: str
    municipality: str | None
    student_relevance: float


@dataclass(frozen=True)
class NeedInfo:
    id: str
    name: str
    description: str
    services: tuple[str, ...]


@dataclass
class Ranked:
    service: ServiceInfo
    score: float
    reasons: list[str] = field(default_factory=list)


class ServiceFinder:
    def __init__(self, services: list[ServiceInfo], keywords: dict[str, tuple[str, ...]],
                 needs: dict[str, NeedInfo], municipality_code: str = "853"):
        self.services = {s.id: s for s in services}
        self.needs = needs
        self.municipality_code = municipality_code
        self.index = LexicalIndex([
            SearchDoc(s.id, s.name, s.description, keywords.get(s.id, ())) for s in services
        ])

    @classmethod
    def from_database(cls, database_url: str, municipality_code: str = "853") -> "ServiceFinder":
        engine = make_engine(database_url)
        try:
            with Session(engine, future=True) as session:
                rows = session.execute(select(ServiceRow)).scalars().all()
                need_rows = session.execute(select(NeedRow)).scalars().all()
                services = [
                    ServiceInfo(r.id, r.name, r.description or "", r.provider or "", r.url or "",
                                r.source, r.area_type, r.municipality, r.student_relevance)
                    for r in rows
                ]
                keywords = {r.id: tuple(k for k in (r.keywords or "").split(";") if k)
                            for r in rows}
                needs = {
                    n.id: NeedInfo(n.id, n.name, n.description,
                                   tuple(ns.service_id for ns in n.services))
                    for n in need_rows
                }
        finally:
            engine.dispose()
        return cls(services, keywords, needs, municipality_code)

    def _lexical_weight(self, service: ServiceInfo) -> float:
        weight = STUDENT_BOOST if service.student_relevance > 0 else 1.0
        if service.municipality == self.municipality_code:
            weight *= TURKU_BOOST
        elif service.municipality:  # another municipality's service
            weight *= 0.3
        return weight

    def rank(self, text: str, need_id: str | None = None, limit: int = MAX_RESULTS) -> list[Ranked]:
        ranked: dict[str, Ranked] = {}
        need = self.needs.get(need_id or "")
        if need:
            for position, service_id in enumerate(need.services):
                service = self.services.get(service_id)
                if service:
                    ranked[service_id] = Ranked(
                        service, 2.0 - 0.05 * position, [f"tarve '{need.name}'"]
                    )
        floor = MIN_LEXICAL_SCORE_WITH_NEED if ranked else MIN_LEXICAL_SCORE
        for hit in self.index.search(text, limit=limit * 4):
            if hit.score < floor:
                continue
            service = self.services[hit.id]
            score = hit.score * self._lexical_weight(service)
            reason = f"tekstihaku {hit.score:.2f}"
            if hit.id in ranked:
                ranked[hit.id].score += score
                ranked[hit.id].reasons.append(reason)
            else:
                ranked[hit.id] = Ranked(service, score, [reason])
        ordered = sorted(ranked.values(), key=lambda r: (-r.score, r.service.id))
        return ordered[:limit]
