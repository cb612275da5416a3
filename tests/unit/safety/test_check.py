"""The safety check's parts without servers: the editors' patterns, the
language detector, the classifier, and their combination."""

from __future__ import annotations

import numpy as np
import pytest

from studybots.safety import language
from studybots.safety.check import SafetyCheck
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.patterns import Patterns
from studybots.safety.text import fold


@pytest.fixture(scope="module")
def patterns(catalogue):
    priorities = {c.id: c.priority for c in catalogue.safety.categories.values()}
    return Patterns(catalogue.safety.patterns, priorities)


def test_fold_is_the_folding_the_patterns_are_written_for():
    assert fold("  Mä  EN  jaksa\tenää ’tätä’ Å ") == "ma en jaksa enaa 'tata' a"


@pytest.mark.parametrize(
    "text, category",
    [
        ("haluan kuolla", "itsetuhoisuus"),
        ("Haluun vaan kuolla", "itsetuhoisuus"),
        ("kaveri ei hengitä", "hata"),
        ("tulipalo asunnossa", "tulipalo"),
        ("mun kämppis uhkailee mua puukolla", "vakivalta"),
        ("jag vill dö", "itsetuhoisuus"),
        ("I want to kill myself", "itsetuhoisuus"),
        ("my friend took too many pills", "myrkytys"),
        ("kaverin huulet muuttuu sinisiksi", "hata"),
        ("kämppis ei saa happea", "hata"),
        ("verhot liekehtii", "tulipalo"),
        ("paistinpannu on liekeissä", "tulipalo"),
        ("I don't see the point of living anymore", "itsetuhoisuus"),
        ("det finns ingen mening med att leva", "itsetuhoisuus"),
        ("hamstraan unilääkkeitä", "itsetuhoisuus"),
        ("I've been stockpiling my pills", "itsetuhoisuus"),
    ],
)
def test_patterns_catch_the_messages_of_the_issue(patterns, text, category):
    match = patterns.match(text)
    assert match is not None and match.category == category


@pytest.mark.parametrize(
    "text",
    [
        "tää tentti tappaa mut",
        "kuolen nälkään, missä on halpaa ruokaa",
        "kotivakuutus tulipalon varalle",
        "mikä on hätänumero",
        "haluun kuolla häpeään",
        "kämppis ei herää ajoissa",
        "this exam is killing me",
        "det slår mig att hyran är hög",
        "sormet on siniset kylmästä",
        "seinät on siniset",
        "säästän lääkkeitä flunssaa varten",
        "kerään vanhat lääkkeet apteekkiin",
        "meidän joukkue on ihan liekeissä",
        "there's no point in going on with this course",
    ],
)
def test_patterns_leave_figures_of_speech_alone(patterns, text):
    assert patterns.match(text) is None


def test_the_most_urgent_category_wins_when_several_match(patterns):
    # an intentional overdose: suicidal (4) before poisoning (5), per SOURCES.md
    assert patterns.match("otin kaikki pillerit, haluan kuolla").category == "itsetuhoisuus"
    # a fire (2) before violence (3)
    assert patterns.match("se uhkailee mua ja keittiössä palaa").category == "tulipalo"


@pytest.mark.parametrize(
    "text, lang",
    [
        ("haluun vaan lopettaa kaiken", "fi"),
        ("en jaksa enää", "fi"),
        ("jag vill inte leva längre", "sv"),
        ("det brinner i köket", "sv"),
        ("my roommate won't wake up", "en"),
        ("I want to die", "en"),
        ("kela", "fi"),
        ("", "fi"),
    ],
)
def test_language_detection(text, lang):
    assert language.detect(text) == lang


def test_language_detection_on_the_dev_sets(crisis_rows):
    right = sum(language.detect(r["text"]) == r["lang"] for r in crisis_rows)
    assert right / len(crisis_rows) >= 0.95


@pytest.fixture(scope="module")
def crisis_rows():
    import csv

    from studybots.core.settings import PROJECT_ROOT

    path = PROJECT_ROOT / "tests" / "eval" / "safety_crisis_dev.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _toy_vectors(texts: list[str]) -> np.ndarray:
    """Stand-in sentence vectors (the real ones come from e5 in the pipeline):
    a bag of hashed words, enough to test the classifier's mechanics."""
    out = np.zeros((len(texts), 64))
    for i, t in enumerate(texts):
        for w in fold(t).split():
            out[i, hash(w) % 64] += 1.0
    return out + 1e-6


def test_classifier_separates_crisis_from_none_and_thresholds_the_score():
    texts = [
        "en jaksa enää elää",
        "haluun lopettaa kaiken",
        "en halua olla enää olemassa",
        "kaikki ois parempaa ilman mua",
        "mistä saan asumistukea",
        "mikä on kela",
        "missä on kirjasto",
        "miten haen opintotukea",
    ]
    labels = ["itsetuhoisuus"] * 4 + ["none"] * 4
    clf = PhrasingClassifier(threshold=0.5).fit(texts, labels, _toy_vectors(texts))
    crisis, ordinary = clf.predict(
        ["en jaksa enää olla olemassa", "mistä saan kelan opintotukea"],
        _toy_vectors(["en jaksa enää olla olemassa", "mistä saan kelan opintotukea"]),
    )
    assert crisis.category == "itsetuhoisuus" and crisis.score > 0.5
    assert ordinary.category is None and ordinary.score < 0.5 and ordinary.best == "itsetuhoisuus"
    strict = PhrasingClassifier(threshold=0.999).fit(texts, labels, _toy_vectors(texts))
    assert strict.predict(["en jaksa enää olla olemassa"], _toy_vectors(["x"]))[0].category is None


def test_patterns_win_over_the_classifier_and_work_without_it(patterns):
    check = SafetyCheck(patterns, None)
    verdict = check.check("jag vill dö", None)
    assert (verdict.category, verdict.lang, verdict.by) == ("itsetuhoisuus", "sv", "pattern")
    calm = check.check("mikä on kela", None)
    assert not calm.crisis and calm.lang == "fi"


def test_the_fast_one_message_path_gives_sklearns_probabilities():
    texts = [
        "en jaksa enää elää",
        "haluun lopettaa kaiken",
        "kaveri ei hengitä",
        "kämppis ei herää",
        "mistä saan asumistukea",
        "mikä on kela",
        "missä on kirjasto",
        "miten haen opintotukea",
    ]
    labels = ["itsetuhoisuus", "itsetuhoisuus", "hata", "hata", "none", "none", "none", "none"]
    clf = PhrasingClassifier(e5_weight=1.5, ngram_weight=0.7).fit(
        texts, labels, _toy_vectors(texts)
    )
    for text in ["en jaksa enää mitään", "mikä on kelan asumistuki", "xyz", "ei hengitä"]:
        vector = _toy_vectors([text])
        slow = clf.probabilities([text], vector)[0]
        fast = clf._fast_probabilities(text, vector[0])
        assert np.allclose(slow, fast, atol=1e-9), (text, slow, fast)
