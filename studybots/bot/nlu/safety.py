"""The safety check as the last NLU component of both bots.

Every typed message passes here after the intent classifier and the
fallback: when the editors' patterns match, or the safety classifier finds a
crisis, the intent becomes `crisis` whatever the term/need classifier said
(its confidence plays no part), so the bots' `crisis` rule answers with help
before any small talk, situation question, suggestion or fallback. The
verdict (category, reply language, by what, score) is in the parse data
under `safety` for the action, the question log and the evaluation.

Trained from catalogue/safety/ (phrasings and patterns) and, as ordinary
messages, the bot's own training questions; a changed safety table retrains
the component (`fingerprint_addon`).
"""

from __future__ import annotations

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.base import PhrasingClassifierComponent
from studybots.bot.nlu.message_data import bot_questions, catalogue_dir, e5_vectors, embed_phrasings
from studybots.catalogue.load import load_catalogue
from studybots.catalogue.schema import SAFETY_NONE
from studybots.core.language import detect
from studybots.core.names import CRISIS_INTENT
from studybots.safety.check import SafetyCheck
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.patterns import Patterns
from studybots.safety.text import fold

SAFETY_KEY = "safety"


def training_set(catalogue, questions: list[str]) -> tuple[list[str], list[str]]:
    """Texts and labels: the editors' phrasings, then the bot's questions as
    `none` (unless an editor labelled the same text)."""
    texts = [p.text for p in catalogue.safety.phrasings]
    labels = [p.label for p in catalogue.safety.phrasings]
    known = {fold(t) for t in texts}
    extra = [q for q in dict.fromkeys(questions) if fold(q) not in known]
    return texts + extra, labels + [SAFETY_NONE] * len(extra)


def text_languages(catalogue, editors: list[str], questions: list[str]) -> list[str]:
    """The language of each training text: the editors' phrasings say theirs,
    the catalogue's phrasings theirs; small talk is detected."""
    own = [p.lang for p in catalogue.safety.phrasings]
    assert len(own) == len(editors)
    known = catalogue.phrasing_languages
    return own + [
        known.get(q) or detect(q, catalogue.languages).language or catalogue.language
        for q in questions
    ]


def build_check(catalogue, classifier: PhrasingClassifier | None) -> SafetyCheck:
    priorities = {c.id: c.priority for c in catalogue.safety.categories.values()}
    return SafetyCheck(Patterns(catalogue.safety.patterns, priorities), classifier)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafetyCheckComponent(PhrasingClassifierComponent[SafetyCheck]):
    FILE_NAME = "safety_check.joblib"
    STATE_FORMAT = "none-per-language"  # was one `none` weight for all languages
    TABLES = ("safety/phrasings.csv", "safety/patterns.csv", "safety/categories.csv")

    def train(self, training_data: TrainingData) -> Resource:
        catalogue = load_catalogue(catalogue_dir(self._config))
        questions = bot_questions(training_data)
        texts, labels = training_set(catalogue, [m.get(TEXT) for m in questions])
        editors = len(catalogue.safety.phrasings)
        by_text = {m.get(TEXT): m for m in questions}
        vectors_editors = embed_phrasings(texts[:editors])
        vectors_bot = e5_vectors([by_text[t] for t in texts[editors:]])
        languages = text_languages(catalogue, texts[:editors], texts[editors:])
        classifier = self.new_classifier().fit(
            texts, labels, np.vstack([vectors_editors, vectors_bot]), languages
        )
        return self.persist(build_check(catalogue, classifier))

    def process(self, messages: list[Message]) -> list[Message]:
        messages_with_text = [m for m in messages if m.get(TEXT)]
        if self._state is None or not messages_with_text:
            return messages
        verdicts = self._state.check_many(
            [m.get(TEXT) for m in messages_with_text], e5_vectors(messages_with_text)
        )
        for message, verdict in zip(messages_with_text, verdicts):
            message.set(SAFETY_KEY, verdict.as_dict(), add_to_output=True)
            if verdict.crisis:
                crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name")]
                message.set(INTENT, crisis, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [crisis, *ranking], add_to_output=True)
        return messages
