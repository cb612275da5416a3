"""Finnish text normalisation shared by search and evaluation.

Lower-cases, folds punctuation to spaces and drops question words and fillers
that say nothing about the topic ("mistä saan", "miten", colloquial "mist").
Inflection is left to character n-grams, which absorb most of it.
"""
from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\-]+", re.UNICODE)

STOPWORDS = frozenset("""
a ai aika ala alla apu apua asia asiaa asiat eli en enkä ensin et ettei että haluaisin haluan
hei hoitaa hoidan hoidetaan ihan ja jo joka jos jossa joku jotain jotenki jotenkin kai kaikki kannattaa
kanssa kautta ken kenen keneltä keneen kerro kertoa kiitos kuin kuinka kuka kun kunnes kyllä lisää
löydän löytyy löytää mihin miksi mikä mille miltä mil missä mist mistä miten mitä mitkä mm moi
mua mulla mulle multa mun muuten mä mää nyt näin ne niin noh nyt ois oisko oli olla olen oletko
olis olisi on onko onks oon osaatko pitäis pitäisi pitää pls saa saada saanko saako saisin saan
se sen siinä sinne sitten siis sit sua sulla sä te teen tehdä tiedätkö tietää tietoa toi tuo
tällä tämä tää voi voin voinko voisin voitko vois vähän yks että
""".split())


def fold(text: str) -> str:
    """Lower-case and normalise Unicode; keep Finnish letters."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def content_words(text: str) -> list[str]:
    return [w for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]


def normalise_query(text: str) -> str:
    return " ".join(content_words(text))
