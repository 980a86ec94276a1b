"""French text analysis and the small query language shared by every backend.

Whoosh's stock `LanguageAnalyzer("fr")` folds no accents and misses *les*; the chain below
folds accents *before* stemming (Snowball's French rules depend on the accents, so
`sécurité` and `securite` only meet when both are folded first). Measured in
`shared/research/whoosh-study.md` §2: 16 of 19 French pairs merged, against 7 for the stock one.

The query language is deliberately small, so that both backends read it the same way:
words (all required), "quoted phrases", and `-word` to exclude a word. Anything else (`AND`,
`*`, unbalanced quotes, control characters, emoji) is read as plain words or dropped.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

MAX_QUERY_CHARS = 200
MAX_QUERY_ITEMS = 12


def fold(text: str) -> str:
    """Lower-case and strip accents: `Élections` → `elections`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_BASE_STOPS = set(stopwords_for_language("fr")) | {
    "les",
    "cette",
    "cet",
    "ces",
    "comme",
    "plus",
    "tout",
    "tous",
    "toute",
    "toutes",
    "aux",
    "du",
    "des",
    "au",
    "ou",
    "donc",
    "car",
    "ni",
    "si",
    "sans",
    "sous",
    "chez",
    "entre",
    "vers",
    "leur",
    "leurs",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "comment",
    "pourquoi",
    "quand",
    "être",
    "avoir",
    "fait",
    "faire",
    "peut",
    "dois",
    "doit",
    "faut",
    "bonjour",
}
FRENCH_STOP_WORDS = frozenset(_BASE_STOPS | {fold(w) for w in _BASE_STOPS})


def french_analyzer():
    """Text fields: tokenise → lower-case → stop words → fold accents → French stem."""
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=2)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr")
    )


def name_analyzer():
    """Names, functions, structures: folded but never stemmed (`Lefèvre` ≠ `Lefèvres`)."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


_FRENCH = french_analyzer()
_NAMES = name_analyzer()


def french_tokens(text: str) -> list[str]:
    return [t.text for t in _FRENCH(text)]


def name_tokens(text: str) -> list[str]:
    return [t.text for t in _NAMES(text)]


# --- Query language ----------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class QueryItem:
    words: tuple[str, ...]
    phrase: bool = False
    negated: bool = False

    def as_text(self) -> str:
        text = " ".join(self.words)
        if self.phrase:
            text = f'"{text}"'
        return f"-{text}" if self.negated else text


@dataclass(frozen=True)
class ParsedQuery:
    """A user query, cleaned. `text` is what the page shows back."""

    text: str
    items: tuple[QueryItem, ...] = field(default_factory=tuple)

    @property
    def positive(self) -> tuple[QueryItem, ...]:
        return tuple(i for i in self.items if not i.negated)

    @property
    def negative(self) -> tuple[QueryItem, ...]:
        return tuple(i for i in self.items if i.negated)

    @property
    def is_empty(self) -> bool:
        """No word at all (blank, only punctuation, `*`, emoji…)."""
        return not self.positive

    @property
    def only_stop_words(self) -> bool:
        """Words were typed, but every one is too common to search (`les`, `de la`…)."""
        if self.is_empty:
            return False
        return not any(french_tokens(" ".join(i.words)) for i in self.positive)

    def canonical(self) -> str:
        """The cleaned query in the shared syntax (also valid for `websearch_to_tsquery`)."""
        return " ".join(i.as_text() for i in self.items)


def clean_text(raw: str) -> str:
    """Drop control and format characters, squeeze blanks, cut to a sane length."""
    raw = raw[: MAX_QUERY_CHARS * 4]
    kept = []
    for char in raw:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(" ")
        else:
            kept.append(char)
    text = " ".join("".join(kept).split())
    return text[:MAX_QUERY_CHARS]


def parse_query(raw: str | None) -> ParsedQuery:
    """Read a query in the shared syntax; never raises."""
    text = clean_text(raw or "")
    items: list[QueryItem] = []
    # An unbalanced quote: the last, unclosed phrase runs to the end of the query.
    parts = text.split('"')
    for index, part in enumerate(parts):
        in_phrase = index % 2 == 1
        if in_phrase:
            words = tuple(_WORD.findall(part.lower()))
            negated = parts[index - 1].endswith("-")
            if len(words) == 1:
                items.append(QueryItem(words, negated=negated))
            elif words:
                items.append(QueryItem(words, phrase=True, negated=negated))
            continue
        for chunk in part.split():
            negated = chunk.startswith("-") and len(chunk) > 1
            for word in _WORD.findall(chunk.lower()):
                items.append(QueryItem((word,), negated=negated))
                negated = False
    # Keep the first occurrence of each item, and only a bounded number of them.
    seen: set[QueryItem] = set()
    unique = []
    for item in items:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return ParsedQuery(text=text, items=tuple(unique[:MAX_QUERY_ITEMS]))
