"""Near-miss requests: a question that names a known term but asks for a
detail the catalogue does not hold (a person's name, a date, a count, a
price, somebody's phone number) or asks the bot to act (log in, apply,
book, pay, cancel).

Sets `request_kind` (detail | action | none, with its score) in the parse
data; Tero's answer then says plainly that it cannot give or do that, and
offers the term's definition and official source. Trained on
catalogue/safety/near_miss_phrasings.csv and, as `none`, the bot's own
training questions.
"""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.message_data import (
    bot_questions,
    catalogue_dir,
    e5_vectors,
    embed_phrasings,
    tables_digest,
)
from studybots.catalogue.load import load_catalogue
from studybots.catalogue.schema import SAFETY_NONE
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.text import fold

FILE_NAME = "request_kind.joblib"
REQUEST_KIND_KEY = "request_kind"
TABLES = ("safety/near_miss_phrasings.csv",)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RequestKindClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "e5_weight": 1.0,
            "ngram_weight": 1.0,
            "C": 10.0,
            "none_weight": 1.0,
            "catalogue": None,
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return tables_digest(catalogue_dir(config), TABLES)

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: PhrasingClassifier | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._classifier = classifier

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RequestKindClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RequestKindClassifier:
        with model_storage.read_from(resource) as directory:
            classifier = joblib.load(directory / FILE_NAME)
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        catalogue = load_catalogue(catalogue_dir(self._config))
        rows = catalogue.safety.near_miss
        texts = [r.text for r in rows]
        labels = [r.label for r in rows]
        known = {fold(t) for t in texts}
        questions = [m for m in bot_questions(training_data) if fold(m.get(TEXT)) not in known]
        vectors = np.vstack([embed_phrasings(texts), e5_vectors(questions)])
        self._classifier = PhrasingClassifier(
            threshold=float(self._config["threshold"]),
            e5_weight=float(self._config["e5_weight"]),
            ngram_weight=float(self._config["ngram_weight"]),
            c=float(self._config["C"]),
            none_weight=float(self._config["none_weight"]),
        ).fit(
            texts + [m.get(TEXT) for m in questions],
            labels + [SAFETY_NONE] * len(questions),
            vectors,
        )
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._classifier, directory / FILE_NAME)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        if self._classifier is None or not with_text:
            return messages
        predictions = self._classifier.predict(
            [m.get(TEXT) for m in with_text], e5_vectors(with_text)
        )
        for message, p in zip(with_text, predictions):
            message.set(
                REQUEST_KIND_KEY,
                {"kind": p.category or SAFETY_NONE, "score": round(p.score, 4)},
                add_to_output=True,
            )
        return messages
