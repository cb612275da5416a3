"""The service database keeps its services' meaning vectors: a rebuild (a
publish in a workspace of its own, a new machine on the same PostgreSQL
database) embeds only the texts it has no vector for."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from studybots.build.servicedb import precompute_embeddings
from studybots.core import db
from studybots.search.embeddings import VectorCache


def cached_count(path) -> int:
    engine = db.engine(f"sqlite:///{path}")
    try:
        with engine.connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM passage_vectors")).scalar_one()
    finally:
        engine.dispose()


def test_a_rebuild_embeds_only_the_texts_the_database_has_no_vector_for(database_url, tmp_path):
    copy = tmp_path / "catalogue.db"
    shutil.copy2(database_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    machine = VectorCache(tmp_path / "empty-machine-cache.db")  # a new machine: knows nothing
    try:
        assert precompute_embeddings(url, machine) > 1000
        assert cached_count(tmp_path / "empty-machine-cache.db") == 0  # nothing embedded

        engine = db.engine(url)
        with engine.begin() as c:  # an editor changed one service's description
            c.execute(
                sa.text("UPDATE services SET description = :d WHERE id = 'tys_asunnot'"),
                {"d": "TYS vuokraa opiskelija-asuntoja Turussa (muutettu kuvaus)."},
            )
        engine.dispose()
        precompute_embeddings(url, machine)
        assert cached_count(tmp_path / "empty-machine-cache.db") == 1
    finally:
        machine.dispose()
