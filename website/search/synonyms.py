"""The vocabulary of local government: synonyms and acronyms applied at query time.

Each entry (`models.Synonym`) is a list of equivalent terms — `CC, communauté de
communes, intercommunalité, EPCI`. A query holding one of them (compared on stems, stop words
left out, so `ramassage ordures` matches `ramassage des ordures`) also looks for the others,
with less weight than the typed words (`expansion.SYNONYM_WEIGHT`). One level only: what an
entry adds is never expanded again, so `A, B` and `B, A` (or any loop) cannot chain.

The entries are read once per process and kept until one is saved or deleted: the signal
handlers below change a version number in the shared cache, which every process compares
before using its copy.
"""

import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from website.search.analysis import french_tokens
from website.search.models import Synonym, split_terms, validation_error

VERSION_KEY = "search:synonyms:version"


@dataclass
class Thesaurus:
    """Entries by the stems of each of their terms."""

    entries: list[list[str]] = field(default_factory=list)
    # stems of a term → [(entry number, term)]
    by_stems: dict[tuple[str, ...], list[tuple[int, str]]] = field(default_factory=dict)
    longest: int = 0

    @classmethod
    def from_texts(cls, texts) -> "Thesaurus":
        """Entries that fail validation (written around the admin form) are left out."""
        thesaurus = cls()
        for text in texts:
            if validation_error(text):
                continue
            number = len(thesaurus.entries)
            terms = split_terms(text)
            thesaurus.entries.append(terms)
            for term in terms:
                stems = tuple(french_tokens(term))
                thesaurus.by_stems.setdefault(stems, []).append((number, term))
                thesaurus.longest = max(thesaurus.longest, len(stems))
        return thesaurus

    def matches(self, stems: list[str]) -> list[tuple[int, int, list[str]]]:
        """(start, end, other terms) for each run `stems[start:end]` that is a term of an
        entry: the other terms of that entry, as written."""
        found = []
        for start in range(len(stems)):
            for end in range(start + 1, min(len(stems), start + self.longest) + 1):
                for number, term in self.by_stems.get(tuple(stems[start:end]), ()):
                    others = [t for t in self.entries[number] if t != term]
                    found.append((start, end, others))
        return found


_local: dict = {"version": None, "thesaurus": None}


def current() -> Thesaurus:
    """The entries as saved, read again after any change (see the module docstring)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    if _local["version"] != version or _local["thesaurus"] is None:
        texts = list(Synonym.objects.values_list("terms", flat=True))
        _local["thesaurus"] = Thesaurus.from_texts(texts)
        _local["version"] = version
    return _local["thesaurus"]


def invalidate(**kwargs) -> None:
    """A saved or deleted entry: every process reads the list again."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _local["thesaurus"] = None


def connect() -> None:
    post_save.connect(invalidate, sender=Synonym, dispatch_uid="search-synonyms-saved")
    post_delete.connect(invalidate, sender=Synonym, dispatch_uid="search-synonyms-deleted")
