"""The Rasa plumbing the project's trainable NLU components share.

A `StoredComponent` keeps one trained object (its *state*: a classifier, a
vocabulary, fitted vectorizers) in its model-storage resource: `create` makes
an untrained one, `train` ends with `self.persist(state)`, `load` reads the
state back. A component that trains on catalogue tables names them in
`TABLES`, and a changed table (or `STATE_FORMAT`) retrains it
(`fingerprint_addon`).

`PhrasingClassifierComponent` adds what the safety check and the near-miss
classifier share: the configuration of a `PhrasingClassifier` and building
one from it.

Each component module then keeps only its own job: what it trains on and
what it sets on a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from studybots.bot.nlu.message_data import catalogue_dir, tables_digest
from studybots.safety.classifier import PhrasingClassifier

StateT = TypeVar("StateT")


class StoredComponent(Generic[StateT], GraphComponent):
    # The file the state is stored in, inside the component's resource.
    FILE_NAME: ClassVar[str] = "state.joblib"
    # Catalogue tables (relative to the catalogue folder) the component trains on.
    TABLES: ClassVar[tuple[str, ...]] = ()
    # True: a model without the stored state loads as untrained (the component
    # then leaves messages alone). False: loading fails loudly, for components
    # that must never be silently off (the safety check).
    STATE_OPTIONAL: ClassVar[bool] = False
    # Change it when what the component stores changes: Rasa's training cache
    # then retrains it instead of loading a state of the old shape.
    STATE_FORMAT: ClassVar[str] = "1"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: StateT | None = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._state = state

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StoredComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> StoredComponent:
        try:
            with model_storage.read_from(resource) as directory:
                state = cls.read_state(directory)
        except (ValueError, FileNotFoundError):
            if not cls.STATE_OPTIONAL:
                raise
            state = None
        return cls(config, model_storage, resource, state)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        tables = tables_digest(catalogue_dir(config), cls.TABLES) if cls.TABLES else ""
        return f"{cls.STATE_FORMAT}:{tables}"

    @classmethod
    def read_state(cls, directory: Path) -> Any:
        return joblib.load(directory / cls.FILE_NAME)

    def write_state(self, directory: Path, state: StateT) -> None:
        joblib.dump(state, directory / self.FILE_NAME)

    def persist(self, state: StateT) -> Resource:
        """Keep `state` and store it in the resource; what `train` returns."""
        self._state = state
        with self._storage.write_to(self._resource) as directory:
            self.write_state(directory, state)
        return self._resource


class PhrasingClassifierComponent(StoredComponent[StateT]):
    """A component built around a PhrasingClassifier trained on an
    editor-owned phrasing table (and, as `none`, the bot's own questions)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "e5_weight": 1.0,
            "ngram_weight": 1.0,
            "C": 10.0,
            "none_weight": 1.0,
            "catalogue": None,  # default: the deployment's catalogue folder
        }

    def new_classifier(self) -> PhrasingClassifier:
        return PhrasingClassifier(
            threshold=float(self._config["threshold"]),
            e5_weight=float(self._config["e5_weight"]),
            ngram_weight=float(self._config["ngram_weight"]),
            c=float(self._config["C"]),
            none_weight=float(self._config["none_weight"]),
        )
