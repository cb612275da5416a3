"""The language of each message: Finnish, Swedish or English.

Sets `language` in the parse data: the language detected (studybots.core.
language, offline), how sure that is, and the language the student chose in
the widget (message metadata `language`), if any. When the student chose, or
the message is clearly in one language, it also adds a `language` entity,
which fills the conversation's `language` slot: the bot's responses and
actions answer in it, and a short or mixed message ("Föli?", "ok") keeps it.

Trained on the catalogue's phrasings of every switched-on language (and the
safety tables' labelled phrasings), so it knows how students write here.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.base import StoredComponent
from studybots.bot.nlu.message_data import catalogue_dir
from studybots.catalogue.load import Catalogue, load_catalogue
from studybots.core import language
from studybots.core.language import LanguageModel

LANGUAGE_KEY = "language"  # parse data key, entity and slot name


def names_by_language(catalogue: Catalogue) -> dict[str, list[str]]:
    """Each language's term names and aliases (for the neutral words)."""
    names: dict[str, list[str]] = {lang: [] for lang in catalogue.languages}
    own = catalogue.languages[0]
    for term in catalogue.terms.values():
        names[own] += [term.term, *term.aliases]
        for lang in catalogue.languages[1:]:
            names[lang] += [
                term.text("term", lang),
                term.translations.get(lang, {}).get("aliases", ""),
            ]
    return names


def training_examples(catalogue: Catalogue) -> list[tuple[str, str]]:
    examples = list(catalogue.phrasing_languages.items())
    examples += [(r.text, r.lang) for r in catalogue.safety.phrasings]
    examples += [(r.text, r.lang) for r in catalogue.safety.near_miss]
    return examples


def train_model(catalogue: Catalogue) -> LanguageModel:
    neutral = language.neutral_words(names_by_language(catalogue))
    return language.train(training_examples(catalogue), catalogue.languages, neutral)


def requested_language(message: Message, languages: tuple[str, ...]) -> str | None:
    """The widget's language choice, from the message metadata."""
    metadata = message.get("metadata")
    chosen = metadata.get(LANGUAGE_KEY) if isinstance(metadata, dict) else None
    return chosen if isinstance(chosen, str) and chosen in languages else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetector(StoredComponent[LanguageModel]):
    FILE_NAME = "language.joblib"
    TABLES = (
        "catalogue.yml",
        "terms/terms.csv",
        "terms/phrasings.csv",
        "services/need_phrasings.csv",
        "safety/phrasings.csv",
        "safety/near_miss_phrasings.csv",
    )

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"catalogue": None}  # default: the deployment's catalogue folder

    def train(self, training_data: TrainingData) -> Resource:
        return self.persist(train_model(load_catalogue(catalogue_dir(self._config))))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        model = self._state
        if model is None:
            return messages
        for message in messages:
            detection = language.detect(message.get(TEXT) or "", model=model)
            requested = requested_language(message, model.languages)
            message.set(
                LANGUAGE_KEY,
                {
                    "detected": detection.language,
                    "confidence": detection.confidence,
                    "requested": requested,
                },
                add_to_output=True,
            )
            decided = requested or (
                detection.language if detection.confidence >= language.SWITCH else None
            )
            if decided:
                entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != LANGUAGE_KEY]
                entities.append(
                    {
                        "entity": LANGUAGE_KEY,
                        "value": decided,
                        "start": 0,
                        "end": 0,
                        "extractor": type(self).__name__,
                    }
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
