"""Sentence features from word and character n-grams, L2-normalised.

Rasa's CountVectorsFeaturizer gives raw counts, so long messages dominate and
the features cannot be weighed against dense sentence embeddings. This
featurizer gives one L2-normalised sentence vector of word unigrams and
character n-grams inside word boundaries (which absorb Finnish inflection),
multiplied by `weight`.
"""

from __future__ import annotations

from typing import Any

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from studybots.bot.nlu.base import StoredComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class NormalisedNgramFeaturizer(StoredComponent[tuple], SparseFeaturizer):
    FILE_NAME = "ngram_vectorizers.joblib"
    STATE_OPTIONAL = True  # untrained: no features

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            "weight": 5.0,
            "min_ngram": 2,
            "max_ngram": 5,
            "min_df": 2,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: tuple | None = None,
    ) -> None:
        StoredComponent.__init__(self, config, model_storage, resource, state)
        SparseFeaturizer.__init__(self, self.__class__.__name__, config)

    def _texts(self, messages: list[Message]) -> list[str]:
        return [(m.get(TEXT) or "") for m in messages]

    def train(self, training_data: TrainingData) -> Resource:
        texts = [t for t in self._texts(training_data.training_examples) if t]
        # n-grams seen in one example only add size (and reply time), not accuracy
        min_df = min(int(self._config["min_df"]), max(1, len(texts) // 100))
        words = CountVectorizer(lowercase=True, token_pattern=r"(?u)\b\w+\b", min_df=min_df)
        chars = CountVectorizer(
            lowercase=True,
            analyzer="char_wb",
            min_df=min_df,
            ngram_range=(self._config["min_ngram"], self._config["max_ngram"]),
        )
        words.fit(texts)
        chars.fit(texts)
        return self.persist((words, chars))

    def _featurize(self, messages: list[Message]) -> None:
        if not self._state or not messages:
            return
        words, chars = self._state
        texts = self._texts(messages)
        matrix = scipy.sparse.hstack([words.transform(texts), chars.transform(texts)]).tocsr()
        matrix = normalize(matrix) * float(self._config["weight"])
        for i, message in enumerate(messages):
            self.add_features_to_message(None, matrix[i], TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("weight", 1.0)) <= 0:
            raise ValueError("NormalisedNgramFeaturizer: weight must be positive")
