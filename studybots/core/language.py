"""Which language a student writes in: Finnish, Swedish or English.

Offline: py3langid's model ships inside the package (nothing is downloaded),
restricted to the catalogue's switched-on languages. Chat messages are short
and full of names that are the same in every language ("Föli", "Kela",
"YTHS"); those *neutral* words (the catalogue's names and aliases that appear
in more than one language) are left out before the model looks, and a
message of greetings and thanks alone is recognised by a small word list the
model is unsure about ("hi", "tack").

A model trained on the catalogue's own phrasings, each labelled with its
language (`train`), knows how students write here ("mika on foli" without
accents, "tarviin kämpän"); its probabilities are averaged with the general
model's, which knows the rest of each language.

`choose` keeps a conversation's language: a message switches it only when it
is clearly in another language (`SWITCH` sure); the widget's language choice
always wins.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

LANGUAGES = ("fi", "sv", "en")  # the languages a catalogue can be written in
SWITCH = 0.9  # how sure a message must be to change a conversation's language
FIRST = 0.3  # how sure a first message must be to set it (else the default)

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

# Whole messages made of these words are in this language (the model is
# unsure about one-word greetings). A word of two languages is in neither.
GREETINGS = {
    "fi": "moi moikka hei heippa terve moro kiitos kiitti kiitoksia huomenta",
    "sv": "hej hejsan tjena tack tackar hejdå då adjö morjens",
    "en": "hi hello hey thanks thank you thx bye goodbye cheers morning",
}
_GREETING_LANGUAGE = {w: lang for lang, words in GREETINGS.items() for w in words.split()}


@dataclass(frozen=True)
class Detection:
    language: str | None  # None: nothing in the message tells
    confidence: float


@cache
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def words(text: str) -> list[str]:
    return _WORDS.findall((text or "").casefold())


def _plain(word: str) -> str:
    """The word without accents: "föli" and "foli" are the same name."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def neutral_words(names_by_language: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """Words that occur in the names of more than one language: brand names
    and abbreviations the languages share."""
    seen: dict[str, set[str]] = {}
    for lang, names in names_by_language.items():
        for name in names:
            for word in words(name):
                seen.setdefault(_plain(word), set()).add(lang)
    return frozenset(w for w, langs in seen.items() if len(langs) > 1)


@dataclass(frozen=True)
class _Kept:
    """The message's words without the neutral ones (picklable, for the model)."""

    neutral: frozenset[str]

    def __call__(self, text: str) -> str:
        return " ".join(w for w in words(text) if _plain(w) not in self.neutral)


@dataclass
class LanguageModel:
    """The catalogue-trained part: character n-grams of the words that are
    not neutral, and a linear classifier over the languages."""

    languages: tuple[str, ...]
    neutral: frozenset[str]
    pipeline: Any = None  # sklearn Pipeline, None with fewer than two languages

    def probabilities(self, text: str) -> dict[str, float]:
        if self.pipeline is None:
            return {}
        row = self.pipeline.predict_proba([text])[0]
        return {str(c): float(p) for c, p in zip(self.pipeline.classes_, row)}


def train(
    labelled: Iterable[tuple[str, str]], languages: Collection[str], neutral: Collection[str]
) -> LanguageModel:
    """A LanguageModel from (text, language) examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    ordered = tuple(lang for lang in LANGUAGES if lang in languages)
    neutral = frozenset(neutral)
    examples = [(t, lang) for t, lang in labelled if lang in ordered]
    if len({lang for _, lang in examples}) < 2:
        return LanguageModel(ordered, neutral)
    pipeline = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 4),
            sublinear_tf=True,
            preprocessor=_Kept(neutral),
        ),
        LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced", random_state=0),
    )
    pipeline.fit([t for t, _ in examples], [lang for _, lang in examples])
    return LanguageModel(ordered, neutral, pipeline)


def detect(
    text: str,
    languages: Collection[str] = LANGUAGES,
    neutral: Collection[str] = frozenset(),
    model: LanguageModel | None = None,
) -> Detection:
    """The message's language among `languages`, and how sure that is."""
    if model is not None:
        languages, neutral = model.languages, model.neutral
    languages = tuple(lang for lang in LANGUAGES if lang in languages)
    found = [w for w in words(text) if _plain(w) not in neutral]
    if not found or len(languages) < 2:
        return Detection(languages[0] if found and languages else None, 1.0 if found else 0.0)
    greeting = {_GREETING_LANGUAGE.get(w) for w in found}
    if len(greeting) == 1 and None not in greeting and greeting <= set(languages):
        return Detection(greeting.pop(), 1.0)
    identifier = _identifier(languages)
    general = dict(identifier.rank(" ".join(found)))
    own = model.probabilities(" ".join(found)) if model is not None else {}
    scores = {
        lang: (float(general.get(lang, 0.0)) + own[lang]) / 2
        if own
        else float(general.get(lang, 0))
        for lang in languages
    }
    best = max(languages, key=lambda lang: scores[lang])
    return Detection(best, round(scores[best], 4))


def choose(
    detection: Detection,
    current: str | None,
    default: str,
    requested: str | None = None,
    languages: Collection[str] = LANGUAGES,
) -> str:
    """The reply language: the student's own choice; else a clear switch; else
    the conversation's language; else a first guess; else the default."""
    if requested in languages:
        return str(requested)
    sure = detection.language in languages
    if sure and detection.confidence >= SWITCH:
        return str(detection.language)
    if current in languages:
        return str(current)
    if sure and detection.confidence >= FIRST:
        return str(detection.language)
    return default
