"""The general-needs dev set (issue 15) is well-formed and never trained on."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from studybots.build import nlu
from studybots.core.settings import PROJECT_ROOT
from studybots.training import evaluate_general as general

DEV = PROJECT_ROOT / "tests" / "eval" / general.FILE


@pytest.fixture(scope="module")
def rows():
    return general.general_set(DEV)


def _known_ids(catalogue) -> set[str]:
    """Ids of the service database: curated ids and the PTV ids of
    catalogue/ptv/services.csv (a PTV id a curated service stands for is
    stored under the curated id, so it must not be used here)."""
    linked = {s.ptv_id for s in catalogue.services.values() if s.ptv_id}
    return set(catalogue.services) | (set(catalogue.ptv_services) - linked)


def test_at_least_80_needs_each_in_finnish_swedish_and_english(rows):
    by_need: dict[str, set[str]] = {}
    for r in rows:
        by_need.setdefault(r.need, set()).add(r.lang)
    assert len(by_need) >= 80
    assert all(langs == set(general.LANGS) for langs in by_need.values()), by_need
    assert set(Counter(r.lang for r in rows)) == set(general.LANGS)


def test_texts_are_distinct_and_every_need_has_a_right_service(rows):
    texts = [" ".join(r.text.casefold().split()) for r in rows]
    assert len(texts) == len(set(texts))
    assert all(r.relevant for r in rows)
    # The three languages of a need name the same services.
    by_need: dict[str, set[frozenset[str]]] = {}
    for r in rows:
        by_need.setdefault(r.need, set()).add(r.relevant)
    assert all(len(v) == 1 for v in by_need.values())


def test_ids_are_services_of_the_service_database(rows, catalogue):
    known = _known_ids(catalogue)
    unknown = sorted({i for r in rows for i in r.relevant} - known)
    assert not unknown


def test_both_halves_have_every_language(rows):
    halves = Counter((r.lang, r.half) for r in rows)
    assert all(halves[(lang, h)] >= 20 for lang in general.LANGS for h in ("tune", "held"))


def _training_texts(catalogue) -> set[str]:
    def norm(s: str) -> str:
        return " ".join(s.strip().casefold().split())

    texts = set()
    sources = list(nlu.render(catalogue).values()) + [
        p.read_text(encoding="utf-8")
        for p in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml"))
    ]
    for content in sources:
        for line in content.splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.add(norm(line[2:]))
    for path in sorted(catalogue.directory.rglob("*phrasings*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                texts.update(norm(cell) for cell in row)
    return texts


def test_no_dev_text_is_training_data(rows, catalogue):
    trained = _training_texts(catalogue)
    leaked = [r.text for r in rows if " ".join(r.text.casefold().split()) in trained]
    assert not leaked
