"""Text normalisation shared by search, duplicate detection and the import.

A *key* is lower case, without accents, with dashes, apostrophes and punctuation turned into
single spaces: "Saint-André  d’Aïgues" and "saint andre d aigues" have the same key.
"""

import re
import unicodedata

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed (é → e, œ → oe), nothing else changed."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def key(text: str) -> str:
    """The comparison key: folded, every run of non-alphanumerics collapsed to one space."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def person_key(first_name: str, last_name: str) -> str:
    """Normalised full name used to find the same person again ("Théo d'ALMEIDA")."""
    return key(f"{first_name} {last_name}")
