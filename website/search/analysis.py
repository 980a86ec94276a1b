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

from whoosh.analysis import Analyzer, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from directory.text import fold

MAX_QUERY_CHARS = 200
MAX_QUERY_ITEMS = 12


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


class FrenchAnalyzer(Analyzer):
    """Text fields: tokenise → lower-case → stop words → fold accents → French stem.

    The same chain as `RegexTokenizer | LowercaseFilter | StopFilter | CharsetFilter |
    StemFilter`, in one loop with one dictionary lookup per word: the five chained generators
    cost about 5 µs per token, which made analysis the largest part of a rebuild. Tokens,
    positions (stop words removed and renumbered like `StopFilter`) and character offsets
    are the same, so phrases and highlights work as before. `stem=False` gives the names
    analyzer: folded, never stemmed (`Lefèvre` ≠ `Lefèvres`), no stop words.

    Whoosh passes `no_morph` (composite analyzers) or `nomorph` (its spelling field) to ask
    for words without stemming: both are honoured, and those words keep their accents, so
    "did you mean" offers real words as written (`marchés`, not `march`).
    """

    CACHE_SIZE = 200_000

    def __init__(self, *, stem: bool = True):
        self.stem = stem
        # word → indexed form (None for a stop word), with and without stemming
        self._cache: dict[bool, dict[str, str | None]] = {True: {}, False: {}}

    def __getstate__(self):
        # The index pickles its schema: keep the cache out of it.
        return {"stem": self.stem}

    def __setstate__(self, state):
        self.__init__(**state)

    def __eq__(self, other):
        return type(other) is type(self) and other.stem == self.stem

    def __hash__(self):
        return hash((type(self), self.stem))

    def __repr__(self):
        return f"{type(self).__name__}(stem={self.stem})"

    def has_morph(self) -> bool:
        return self.stem

    def _term(self, word: str, morph: bool) -> str | None:
        """The indexed form of a word, or None for a stop word."""
        lowered = word.lower()
        if not self.stem:
            return lowered.translate(accent_map)
        if len(lowered) < 2 or lowered in FRENCH_STOP_WORDS:
            return None
        # Spelling words keep their accents: "did you mean" shows them as written.
        return _stem(lowered.translate(accent_map)) if morph else lowered

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each indexed term of a text with its positions, in order of first occurrence:
        what `__call__(value, positions=True)` yields, grouped by term without a `Token` per
        word (a rebuild analyses about a hundred words per document)."""
        cache = self._cache[self.stem]
        if len(cache) > self.CACHE_SIZE:
            cache.clear()
        found: dict[str, list[int]] = {}
        pos = -1
        for index, word in enumerate(_TOKEN.findall(value)):
            term = cache.get(word, _UNKNOWN)
            if term is _UNKNOWN:
                term = cache[word] = self._term(word, self.stem)
            if term is None:
                continue
            # As in `__call__`: the first kept word keeps its place, the next ones follow it.
            pos = index if pos < 0 else pos + 1
            positions = found.get(term)
            if positions is None:
                found[term] = [pos]
            else:
                positions.append(pos)
        return found

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        no_morph=False,
        nomorph=False,
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        morph = self.stem and not (no_morph or nomorph)
        cache = self._cache[morph]
        if len(cache) > self.CACHE_SIZE:
            cache.clear()
        if tokenize:
            matches = _TOKEN.finditer(value)
        else:
            matches = [_WHOLE.match(value)]
        pos = start_pos - 1
        for index, match in enumerate(matches, start_pos):
            word = match.group()
            term = cache.get(word, _UNKNOWN)
            if term is _UNKNOWN:
                term = cache[word] = self._term(word, morph)
            if term is None:
                if removestops:
                    continue
                token.text = word.lower().translate(accent_map)
                token.stopped = True
                if positions:
                    token.pos = index
            else:
                token.text = term
                token.stopped = False
                if positions:
                    # Like `StopFilter(renumber=True)`: the first kept word keeps its place,
                    # the next ones follow it without gaps.
                    pos = index if pos < start_pos else pos + 1
                    token.pos = pos
            if keeporiginal:
                token.original = word
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


_TOKEN = re.compile(r"\w+")
_WHOLE = re.compile(r".*", re.DOTALL)
_UNKNOWN = object()
_stem = stemmer_for_language("fr")


def french_analyzer() -> FrenchAnalyzer:
    return FrenchAnalyzer()


def name_analyzer() -> FrenchAnalyzer:
    """Names, functions, structures: folded but never stemmed, no stop words."""
    return FrenchAnalyzer(stem=False)


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


def squeeze_query(raw: str) -> str:
    """A typed query on one line: control and format characters dropped, blanks squeezed,
    cut to a sane length."""
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
    text = squeeze_query(raw or "")
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
