"""Text normalisation: the one accent folding and the one cleaning of typed text.

The lowest layer owns them, so every app uses the same rules: the directory's import and
duplicate detection, Q&A and agenda forms and services, the search layer (typo tolerance,
"did you mean", the PostgreSQL backend's folded titles).

A *key* is lower case, without accents, with dashes, apostrophes and punctuation turned into
single spaces: "Saint-André  d’Aïgues" and "saint andre d aigues" have the same key.
"""

import re
import unicodedata

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Control characters other than tab, newline and carriage return; also bidi overrides and
# isolates, which can disguise text or a link's target (CVE-2021-42574 "Trojan Source").
_CONTROL = {c for c in range(0x20) if c not in (9, 10, 13)} | {0x7F}
_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}
_STRIP = dict.fromkeys(_CONTROL | _BIDI)


def fold(text: str) -> str:
    """Lower case, accents removed (é → e, œ → oe), nothing else changed.

    NFKD keeps the ligatures œ and æ, which are written out as PostgreSQL's `unaccent` does.
    Called for every term of a search index's vocabulary: plain ASCII words skip the
    per-character pass.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    if not folded.isascii():
        folded = folded.replace("œ", "oe").replace("æ", "ae")
    return folded


def key(text: str) -> str:
    """The comparison key: folded, every run of non-alphanumerics collapsed to one space."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def person_key(first_name: str, last_name: str) -> str:
    """Normalised full name used to find the same person again ("Théo d'ALMEIDA")."""
    return key(f"{first_name} {last_name}")


def clean_text(text: str) -> str:
    """Typed text made safe to store: NFC, no control characters, no bidi overrides or
    isolates, `\\n` newlines. Every form field and service that takes text uses it."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_STRIP)
