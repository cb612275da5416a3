"""Which language a question is in (fi, sv or en), and the meaning-vector
offset between that language and Finnish.

Most PTV texts in the service database are in Finnish only. e5 is
multilingual, but a Swedish or English question sits in another part of its
vector space than the Finnish service texts: the same meaning scores lower
and noisier. Subtracting the language's mean offset from the question's
vector (the mean over PTV's own trilingual code labels - service classes,
life events, target groups - of the language's label vector minus the
Finnish one) moves it next to the Finnish texts. The labels are official
PTV translations, not the dev set's questions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

LANGUAGES = ("fi", "sv", "en")


def code_labels(rows: Iterable[Mapping[str, str]]) -> dict[str, list[str]]:
    """Labels per language from code-list rows that have all three."""
    out: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for r in rows:
        if all(r.get(lang) for lang in LANGUAGES):
            for lang in LANGUAGES:
                out[lang].append(r[lang])
    return out


def means(
    labels: Mapping[str, Sequence[str]], embed: Callable[[list[str]], np.ndarray]
) -> dict[str, np.ndarray]:
    """language -> the mean of its labels' (normalised) query vectors."""
    out = {}
    for lang, texts in labels.items():
        vectors = np.asarray(embed(list(texts)), np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        out[lang] = vectors.mean(axis=0).astype(np.float32)
    return out


def nearest(vector: np.ndarray, language_means: Mapping[str, np.ndarray]) -> str:
    """The language whose mean the question's vector is closest to: 376 of
    the 390 texts of tests/eval/paavo_general_dev.csv right, also one-word
    questions ("innebandy"), which function words cannot tell."""
    if not language_means:
        return "fi"
    return max(language_means, key=lambda lang: float(vector @ language_means[lang]))


def to_finnish(
    vector: np.ndarray, language_means: Mapping[str, np.ndarray]
) -> tuple[str, np.ndarray]:
    """(language, the vector moved by that language's offset to Finnish)."""
    lang = nearest(vector, language_means)
    if lang == "fi" or "fi" not in language_means:
        return lang, vector
    moved = vector - (language_means[lang] - language_means["fi"])
    return lang, (moved / max(float(np.linalg.norm(moved)), 1e-9)).astype(np.float32)


HUB_K = 10


def hubness(passages: np.ndarray, questions: np.ndarray, k: int = HUB_K) -> np.ndarray:
    """Each passage's mean cosine to its k nearest `questions` (CSLS's r):
    how near the passage is to questions in general."""
    if len(passages) == 0 or len(questions) == 0:
        return np.zeros(len(passages), np.float32)
    q = questions / np.maximum(np.linalg.norm(questions, axis=1, keepdims=True), 1e-9)
    q = q.astype(np.float32)
    out = np.empty(len(passages), np.float32)
    for start in range(0, len(passages), 4096):
        sims = passages[start : start + 4096] @ q.T
        k_ = min(k, sims.shape[1])
        top = np.partition(sims, sims.shape[1] - k_, axis=1)[:, -k_:]
        out[start : start + len(top)] = top.mean(axis=1)
    return out
