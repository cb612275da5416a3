"""Paavo's service ranking: need, situation, filters and hybrid search.

The finder reads the service database once (see `ServiceFinder.from_database`)
and answers queries from memory. A ranking combines:

- the NLU's need (intent `tarve_<id>`): its curated services, in the editors'
  order, lead;
- the student's situation (answers to Paavo's short questions, or what they
  said: "muutan Turkuun ensi kuussa", "tulen Ranskasta"): services the
  situation table names come first, services it rules out are dropped, and
  services of its phase or PTV life events are weighted up;
- structured filters: Turku's or nationwide services only (another
  municipality's never), optionally target groups, life events and phase;
- hybrid text search over every service: BM25 on character n-grams fused
  with e5 meaning similarity (a weighted sum of the two normalised scores),
  curated student services and Turku's services weighted up; a service
  whose name the question contains gains a little; Swedish and English
  questions are moved by their language's offset to the Finnish service
  texts (studybots.search.language), and the curated services' Swedish and
  English names and descriptions are searched as texts of their own; the
  audience's own words ("opiskelijoille") are left out of the text search;
  without a need, the four best services by text relevance alone are never
  pushed out by the boosts, and with one, other matches fill the places its
  services leave free.

Each result lists its reasons (`Ranked.reasons`), so editors and tests can
see why it was chosen. Scoring is vectorised over all services (sparse BM25,
one float32 matrix product, argpartition for the top k), so a search over
30,000 services stays within milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from studybots.core import db
from studybots.core.text import fold, normalise_query
from studybots.search import language
from studybots.search.indexes import DenseIndex, LexicalIndex, NameIndex, SearchDoc, top_k
from studybots.services.model import CodeLabel, NeedRow, ServiceCode, ServiceRow, ServiceText

logger = logging.getLogger(__name__)

MAX_RESULTS = 5


# Words that name the bots' audience: every curated service is for students,
# so "opiskelijoille" says nothing about which service is meant, yet its
# n-grams match every "... opiskelijoille" name ("onks opiskelijoille halpoja
# salivuoroja" went to the language courses and student housing instead of
# the gyms). The text search leaves them out of the question (not the e5
# vector, which weighs them by meaning); a question of only such words keeps them.
AUDIENCE_WORDS = frozenset(
    fold(
        "opiskelija opiskelijan opiskelijaa opiskelijana opiskelijalle opiskelijat "
        "opiskelijoille opiskelijoiden opiskelijoita opiskelijoina "
        "student students studerande studenter studenterna studenten"
    ).split()
)


def without_audience(text: str) -> str:
    """`text` without the audience words (itself if nothing else is left)."""
    kept = [w for w in text.split() if fold(w) not in AUDIENCE_WORDS]
    return " ".join(kept) if normalise_query(" ".join(kept)) else text


@dataclass(frozen=True)
class RankingConfig:
    """The ranking's knobs. The defaults were chosen with
    `python -m studybots.training.tune` (see its docstring for how many
    configurations were tried on the dev set)."""

    lexical_weight: float = 0.4  # fused = w * bm25 + (1 - w) * dense
    dense_floor: float = 0.80  # e5 cosine at or below this is "unrelated"
    dense_span: float = 0.12  # cosine dense_floor + span counts as a perfect match
    lexical_gate: float = 0.05  # below this best BM25 the query is nonsense
    min_score: float = 0.14  # a fused score below this is noise, not an answer
    # With a recognised need its services lead (need_bonus); other matches
    # above this floor fill the places they leave free (0.30 until
    # 2026-12-04 left a two-service need's answer at two services, also when
    # the NLU's need was wrong: "swimming lessons for adults" -> liikunta).
    min_score_with_need: float = 0.14
    need_bonus: float = 2.0
    situation_bonus: float = 3.0
    phase_bonus: float = 0.08
    life_event_bonus: float = 0.05
    # Services of the catalogue's PTV life events (KE3/KE4/KE5) in text search.
    life_event_boost: float = 1.1
    # Curated student services outrank general PTV rows at equal similarity.
    student_boost: float = 1.6
    home_boost: float = 1.15
    # A service whose name the query contains (share of the name's n-grams
    # at least name_min) gains name_weight times that share.
    name_weight: float = 0.2
    name_min: float = 0.7
    # Search results scoring below this share of the best one are left out.
    relative_floor: float = 0.4
    # Swedish and English questions against the (mostly Finnish) service
    # texts: the question's vector moves by the language offset
    # (studybots.search.language), its e5 floor and BM25 weight are its own.
    # Without a recognised need, the best `keep_best` services by text relevance alone stay in the
    # answer whatever the student, home and life-event boosts do (the
    # boosts reorder; they never push out a right general service). 2 until
    # 2026-12-04: a curated service found through its translation then
    # pushed out the third and fourth general matches of a Swedish question.
    keep_best: int = 4
    keep_with_need: float = 0.45  # with a need, only this strong a match is kept
    cross_language: bool = True
    # e5 cosine minus this times the service's hubness (CSLS-like).
    hub_penalty: float = 0.3
    dense_floor_other: float = 0.78
    lexical_weight_other: float = 0.3


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
    phase: str | None = None
    codes: frozenset[str] = frozenset()  # life events, target groups, service classes
    # PTV's name and summary per language, where PTV has them: language -> (name, summary)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, hash=False)


def _texts_by_language(session: Session) -> dict[str, dict[str, tuple[str, str]]]:
    """service id -> language -> (name, summary) from PTV's localised texts
    (the importer keeps each language); a missing summary falls back to the
    description in that language, which is read only where there is no
    summary (PTV requires one: seldom), not for every service at start."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    texts = ServiceText
    summary = aliased(ServiceText)
    has_summary = (
        select(summary.service_id)
        .where(
            summary.service_id == texts.service_id,
            summary.language == texts.language,
            summary.kind == "summary",
        )
        .exists()
    )
    wanted = or_(
        texts.kind.in_(("name", "summary")), and_(texts.kind == "description", ~has_summary)
    )
    query = select(texts.service_id, texts.language, texts.kind, texts.value)
    for sid, lang, kind, value in session.execute(query.where(wanted, texts.position == 0)):
        found.setdefault(sid, {}).setdefault(lang, {})[kind] = value or ""
    return {
        sid: {
            lang: (kinds.get("name", ""), kinds.get("summary") or kinds.get("description", ""))
            for lang, kinds in by_lang.items()
        }
        for sid, by_lang in found.items()
    }


OWN_LANGUAGE = "fi"  # the language of ServiceRow's name and description


def translated_passages(services: Sequence[ServiceInfo]) -> list[tuple[int, str, str, str]]:
    """(service position, language, name, summary) of every service's texts
    in another language than the service row's own: PTV's localised texts
    and the curated services' translations (studybots.build.servicedb).
    The text search indexes each as a document of its own that scores for
    its service (BM25 and the name match; the e5 vectors stay the service
    row's own: an e5 match in the question's language put the curated
    services ahead of the right general ones, which have Finnish texts only)."""
    out = []
    for i, s in enumerate(services):
        for lang in sorted(s.texts):
            name, summary = s.texts[lang]
            if lang != OWN_LANGUAGE and (name or summary):
                out.append((i, lang, name, summary))
    return out


@dataclass(frozen=True)
class NeedInfo:
    id: str
    name: str
    description: str
    services: tuple[str, ...]
    phase: str | None = None


@dataclass(frozen=True)
class Boost:
    """What one fact about the student does to the ranking (from the
    situation table, see `studybots.search.situations`)."""

    reason: str  # shown in the reasons, e.g. "ei vielä Turussa"
    services: tuple[str, ...] = ()  # come first, in this order
    hide: tuple[str, ...] = ()  # do not apply to this student
    phase: str | None = None  # services of this phase weigh more
    life_events: tuple[str, ...] = ()  # services with these PTV life events weigh more
    needs: tuple[str, ...] = ()  # needs whose answers the services join
    priority: int = 0  # 0 = the first situation: its services lead


@dataclass(frozen=True)
class Filters:
    """Hard filters. Another municipality's services are always left out
    unless `home_only` is False; `nationwide` False keeps only the home
    municipality's own services."""

    home_only: bool = True
    nationwide: bool = True
    target_groups: tuple[str, ...] = ()  # keep services with one of these (or none at all)
    life_events: tuple[str, ...] = ()  # keep services with one of these
    phase: str | None = None  # keep services of this phase


@dataclass
class Ranked:
    service: ServiceInfo
    score: float
    reasons: list[str] = field(default_factory=list)


def _has_code(codes: frozenset[str], wanted: Iterable[str]) -> bool:
    """KE4 matches KE4 and KE4.2; KE4.2 only KE4.2."""
    return any(c == w or c.startswith(w + ".") for c in codes for w in wanted)


def options_from_meta(meta: dict) -> dict:
    """ServiceFinder.from_database options from a catalogue's catalogue.yml:
    the home municipality and the PTV life events the catalogue serves."""
    city = meta.get("city") or {}
    life_event = meta.get("life_event") or {}
    return {
        "municipality_code": str(city.get("municipality_code", "853")),
        "home_name": str(city.get("name", "Turku")),
        "life_events": tuple(life_event.get("ptv_life_events") or ()),
    }


class ServiceFinder:
    def __init__(
        self,
        services: list[ServiceInfo],
        keywords: dict[str, tuple[str, ...]],
        needs: dict[str, NeedInfo],
        municipality_code: str = "853",
        vectors: np.ndarray | None = None,
        query_embedder: Callable[[str], np.ndarray] | None = None,
        life_events: Sequence[str] = (),
        config: RankingConfig | None = None,
        home_name: str = "Turku",
        language_means: dict[str, np.ndarray] | None = None,
        hubs: np.ndarray | None = None,
    ):
        # How close each service's vector is to questions in general (mean
        # of its top cosines to PTV's code labels as questions): short,
        # generic texts ("Liikuntaa työikäisille") are near everything.
        self._hubs = None if hubs is None else (hubs - float(np.median(hubs))).astype(np.float32)
        self.home_name = home_name
        self.language_means = language_means or {}
        self.config = config or RankingConfig()
        self.services = {s.id: s for s in services}
        self._order = [s.id for s in services]
        self._position = {sid: i for i, sid in enumerate(self._order)}
        self.needs = needs
        self.municipality_code = municipality_code
        self.life_events = tuple(life_events)
        n = len(services)
        # Texts in other languages are documents of their own after the
        # services' (one per service and language); a service scores the
        # best of its documents (`_best_of`).
        extra = translated_passages(services)
        self._extra_of = np.array([i for i, *_ in extra], np.int64)
        self.index = LexicalIndex(
            [SearchDoc(s.id, s.name, s.description, keywords.get(s.id, ())) for s in services]
            + [SearchDoc(services[i].id, name, summary, ()) for i, _, name, summary in extra]
        )
        self.names = NameIndex([s.name for s in services] + [name for _, _, name, _ in extra])
        self.dense = DenseIndex(self._order, vectors) if vectors is not None else None
        self._embed_query = query_embedder
        self._home = np.array([s.municipality == municipality_code for s in services], bool)
        self._elsewhere = np.array(
            [bool(s.municipality) and s.municipality != municipality_code for s in services], bool
        )
        self._student = np.array([s.student_relevance > 0 for s in services], bool)
        self._life_event = (
            np.array([_has_code(s.codes, self.life_events) for s in services], bool)
            if self.life_events
            else np.zeros(n, bool)
        )
        self._mask_cache: dict[Filters, np.ndarray] = {}

    # --- loading ---------------------------------------------------------------

    @classmethod
    def from_database(
        cls,
        database_url: str,
        municipality_code: str = "853",
        life_events: Sequence[str] = ("KE3", "KE4", "KE5"),
        embeddings: bool = True,
        embedding_cache=None,
        config: RankingConfig | None = None,
        home_name: str = "Turku",
    ) -> ServiceFinder:
        """Everything the ranking needs, from the service database. Service
        vectors come from the embedding cache (filled by `make build`);
        `embeddings=False` gives a lexical-only finder."""
        engine = db.engine(database_url)
        try:
            with Session(engine, future=True) as session:
                codes: dict[str, set[str]] = {}
                for sid, code in session.execute(select(ServiceCode.service_id, ServiceCode.code)):
                    codes.setdefault(sid, set()).add(code)
                columns = (
                    ServiceRow.id,
                    ServiceRow.name,
                    ServiceRow.description,
                    ServiceRow.provider,
                    ServiceRow.url,
                    ServiceRow.source,
                    ServiceRow.area_type,
                    ServiceRow.municipality,
                    ServiceRow.student_relevance,
                    ServiceRow.phase,
                    ServiceRow.keywords,
                )
                rows = session.execute(select(*columns).order_by(ServiceRow.id)).all()
                texts = _texts_by_language(session)
                services = [
                    ServiceInfo(
                        r.id,
                        r.name,
                        r.description or "",
                        r.provider or "",
                        r.url or "",
                        r.source,
                        r.area_type,
                        r.municipality,
                        r.student_relevance,
                        r.phase,
                        frozenset(codes.get(r.id, ())),
                        texts.get(r.id, {}),
                    )
                    for r in rows
                ]
                keywords = {
                    r.id: tuple(k for k in (r.keywords or "").split(";") if k) for r in rows
                }
                label_rows = [
                    {"fi": r.fi, "sv": r.sv, "en": r.en}
                    for r in session.execute(select(CodeLabel.fi, CodeLabel.sv, CodeLabel.en))
                ]
                need_rows = session.execute(select(NeedRow)).scalars().all()
                needs = {
                    n.id: NeedInfo(
                        n.id,
                        n.name,
                        n.description,
                        tuple(ns.service_id for ns in n.services),
                        n.phase,
                    )
                    for n in need_rows
                }
        finally:
            engine.dispose()
        vectors = embedder = hubs = None
        offsets: dict[str, np.ndarray] = {}
        if embeddings:
            from studybots.search.embeddings import (
                QueryEmbedder,
                VectorCache,
                passage_text,
                query_vectors_for,
                vectors_for,
            )

            # Vectors are stored in the service database by `make build`.
            cache = embedding_cache or VectorCache(database_url)
            try:
                vectors = vectors_for(
                    [passage_text(s.name, s.description) for s in services], cache
                )
                labels = language.code_labels(label_rows)
                if labels["fi"]:
                    offsets = language.means(labels, lambda texts: query_vectors_for(texts, cache))
                    every_label = [t for texts in labels.values() for t in texts]
                    hubs = language.hubness(vectors, query_vectors_for(every_label, cache))
            finally:
                if embedding_cache is None:
                    cache.dispose()
            embedder = QueryEmbedder()
        return cls(
            services,
            keywords,
            needs,
            municipality_code,
            vectors,
            embedder,
            life_events,
            config,
            home_name,
            offsets,
            hubs,
        )

    # --- scoring ---------------------------------------------------------------

    def _allowed(self, filters: Filters) -> np.ndarray:
        mask = self._mask_cache.get(filters)
        if mask is not None:
            return mask
        services = [self.services[sid] for sid in self._order]
        mask = np.ones(len(services), bool)
        if filters.home_only:
            mask &= ~self._elsewhere
        if not filters.nationwide:
            mask &= self._home
        if filters.target_groups:
            mask &= np.array(
                [
                    not any(c.startswith("KR") for c in s.codes)
                    or _has_code(s.codes, filters.target_groups)
                    for s in services
                ],
                bool,
            )
        if filters.life_events:
            mask &= np.array([_has_code(s.codes, filters.life_events) for s in services], bool)
        if filters.phase:
            mask &= np.array([s.phase == filters.phase for s in services], bool)
        self._mask_cache[filters] = mask
        return mask

    def text_scores(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(fused, bm25, dense cosine) for every service, or None when the
        text has no content words."""
        if not normalise_query(text) or not self._order:
            return None
        n = len(self._order)
        words = without_audience(text)
        lexical = self.index.scores(words)
        lexical = np.zeros(n, np.float32) if lexical is None else self._best_of(lexical)
        cfg = self.config
        # Meaning similarity alone never finds something for nonsense
        # ("qqqzzxx" is 0.84 from a short service name): it counts only when
        # some of the query's n-grams occur in the catalogue at all.
        if (
            self.dense is not None
            and self._embed_query is not None
            and float(lexical.max()) >= cfg.lexical_gate
        ):
            query = self._embed_query(text)
            floor, weight = cfg.dense_floor, cfg.lexical_weight
            if cfg.cross_language and self.language_means:
                lang, query = language.to_finnish(query, self.language_means)
                if lang != OWN_LANGUAGE:
                    floor, weight = cfg.dense_floor_other, cfg.lexical_weight_other
            cosine = self.dense.scores(query)
            if cfg.hub_penalty and self._hubs is not None:
                cosine = cosine - cfg.hub_penalty * self._hubs
            dense = np.clip((cosine - floor) / cfg.dense_span, 0.0, 1.0)
            fused = weight * lexical + (1 - weight) * dense
        else:
            cosine = np.zeros(n, np.float32)
            fused = lexical
        if cfg.name_weight:
            names = self.names.scores(words)
            if names is not None:
                names = self._best_of(names)
                fused = fused + cfg.name_weight * np.where(names >= cfg.name_min, names, 0.0)
        return fused, lexical, cosine

    def _best_of(self, scores: np.ndarray) -> np.ndarray:
        """Per service, the best score of its own document and its
        translations' (the documents after the first n)."""
        n = len(self._order)
        if len(scores) == n:
            return scores
        best = scores[:n].copy()
        np.maximum.at(best, self._extra_of, scores[n : n + len(self._extra_of)])
        return best

    def strength(self, text: str) -> float:
        """The best fused text score of any allowed service (0 for no words)."""
        scored = self.text_scores(text)
        if scored is None:
            return 0.0
        return float(np.where(self._allowed(Filters()), scored[0], 0.0).max(initial=0.0))

    def _weights(self) -> np.ndarray:
        cfg = self.config
        weights = np.where(self._student, cfg.student_boost, 1.0)
        weights = weights * np.where(self._life_event, cfg.life_event_boost, 1.0)
        return weights * np.where(self._home, cfg.home_boost, 1.0)

    def rank(
        self,
        text: str,
        need_id: str | None = None,
        limit: int = MAX_RESULTS,
        boosts: Sequence[Boost] = (),
        filters: Filters | None = None,
    ) -> list[Ranked]:
        cfg = self.config
        filters = filters or Filters()
        allowed = self._allowed(filters)
        hidden = {sid for b in boosts for sid in b.hide}
        ranked: dict[str, Ranked] = {}

        def admit(service_id: str) -> Ranked | None:
            if service_id in ranked:
                return ranked[service_id]
            i = self._position.get(service_id)
            if i is None or not allowed[i] or service_id in hidden:
                return None
            ranked[service_id] = Ranked(self.services[service_id], 0.0, [])
            return ranked[service_id]

        need = self.needs.get(need_id or "")
        if need:
            for position, service_id in enumerate(need.services):
                r = admit(service_id)
                if r:
                    r.score += cfg.need_bonus - 0.05 * position
                    r.reasons.append(f"tarve '{need.name}'")
        for boost in boosts:
            for position, service_id in enumerate(boost.services):
                # A situation's services join the answer for the needs it is
                # about; for other needs they only move up if already there.
                if service_id not in ranked and not (need and need.id in boost.needs):
                    continue
                r = admit(service_id)
                if r:
                    r.score += cfg.situation_bonus - 0.25 * boost.priority - 0.05 * position
                    r.reasons.append(f"tilanne: {boost.reason}")

        scored = self.text_scores(text)
        keep: list[str] = []
        if scored is not None:
            fused, lexical, cosine = scored
            floor = cfg.min_score_with_need if need else cfg.min_score
            total = np.where(allowed & (fused >= floor), fused * self._weights(), 0.0)
            if cfg.relative_floor and total.size:
                total = np.where(total >= cfg.relative_floor * float(total.max()), total, 0.0)
            if cfg.keep_best and not text.startswith("/"):
                # With a need, only a strong match is kept (a button's
                # "/tarve" must not displace the editors' services).
                # ... and only when it matches the words better than every
                # service of the need does.
                least = 0.0
                if need:
                    own = [fused[self._position[i]] for i in need.services if i in self._position]
                    least = max([cfg.keep_with_need, *(float(x) + 1e-6 for x in own)])
                plain = np.where((total > 0) & (fused >= least), fused, 0.0)
                keep = [self._order[i] for i in top_k(plain, cfg.keep_best) if plain[i] > 0]
            for i in top_k(total, limit * 4):
                if total[i] <= 0:
                    break
                sid = self._order[i]
                if sid not in ranked and sid in hidden:
                    continue
                r = admit(sid)
                if r:
                    # Also for the need's own services: the student's words
                    # refine the editors' order ("... mistä haen asuntoa").
                    r.score += float(total[i])
                    r.reasons.append(f"tekstihaku {lexical[i]:.2f}, merkitys {cosine[i]:.2f}")

        for boost in boosts:
            for r in ranked.values():
                if boost.phase and r.service.phase == boost.phase:
                    r.score += cfg.phase_bonus
                    r.reasons.append(f"vaihe {boost.phase}")
                if boost.life_events and _has_code(r.service.codes, boost.life_events):
                    r.score += cfg.life_event_bonus
                    r.reasons.append("elämäntapahtuma " + "/".join(boost.life_events))
        for r in ranked.values():
            if self._home[self._position[r.service.id]]:
                r.reasons.append(f"palvelu: {self.home_name}")
        ordered = sorted(ranked.values(), key=lambda r: (-r.score, r.service.id))
        shown = ordered[:limit]
        for sid in keep:
            if sid in ranked and ranked[sid] not in shown and shown:
                # Replace the weakest shown service that is not kept itself.
                for j in range(len(shown) - 1, -1, -1):
                    if shown[j].service.id not in keep:
                        shown[j] = ranked[sid]
                        ranked[sid].reasons.append("paras tekstiosuma")
                        break
                shown.sort(key=lambda r: (-r.score, r.service.id))
        return shown
