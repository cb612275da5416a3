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

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.base import PhrasingClassifierComponent
from studybots.bot.nlu.message_data import bot_questions, catalogue_dir, e5_vectors, embed_phrasings
from studybots.catalogue.load import load_catalogue
from studybots.catalogue.schema import SAFETY_NONE
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.text import fold

REQUEST_KIND_KEY = "request_kind"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RequestKindClassifier(PhrasingClassifierComponent[PhrasingClassifier]):
    FILE_NAME = "request_kind.joblib"
    TABLES = ("safety/near_miss_phrasings.csv",)

    def train(self, training_data: TrainingData) -> Resource:
        catalogue = load_catalogue(catalogue_dir(self._config))
        rows = catalogue.safety.near_miss
        texts = [r.text for r in rows]
        labels = [r.label for r in rows]
        known = {fold(t) for t in texts}
        questions = [m for m in bot_questions(training_data) if fold(m.get(TEXT)) not in known]
        vectors = np.vstack([embed_phrasings(texts), e5_vectors(questions)])
        classifier = self.new_classifier().fit(
            texts + [m.get(TEXT) for m in questions],
            labels + [SAFETY_NONE] * len(questions),
            vectors,
        )
        return self.persist(classifier)

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        if self._state is None or not with_text:
            return messages
        predictions = self._state.predict([m.get(TEXT) for m in with_text], e5_vectors(with_text))
        for message, p in zip(with_text, predictions):
            message.set(
                REQUEST_KIND_KEY,
                {"kind": p.category or SAFETY_NONE, "score": round(p.score, 4)},
                add_to_output=True,
            )
        return messages
