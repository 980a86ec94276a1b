"""From the words typed to what each backend looks for (issue 12).

A query becomes a list of **groups**, one per typed word or quoted phrase. A document
matches a group when it holds one of the group's **alternatives**:

* the word as typed (weight 1);
* its forms: a missing or extra final « e »/« s », doubled letters written once
  (`urbanism` → `urbanisme`, `déchetterie` → `décheterie`), weight `FORM_WEIGHT`;
* the other terms of a synonym entry holding the word, or a run of typed words
  (`cantine` → `restauration scolaire`, `CC` → `communauté de communes`), weight
  `SYNONYM_WEIGHT` (split between the words the entry covers);
* for a word of at least 5 letters found in no document the user may see, the closest
  terms of what they may see (edit distance 1 up to 7 letters, 2 beyond; the backend looks
  them up: `near`), weight `FUZZY_WEIGHT`.

Backends rank any-word matches: documents holding every group first, then those holding
most of them. A quoted phrase stays required; `-word` excludes. Everything is capped, so a
long query or a generous synonym list cannot make a slow one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from directory.text import fold
from website.search import synonyms
from website.search.analysis import ParsedQuery, QueryItem, french_tokens, parse_query

FORM_WEIGHT = 0.8
SYNONYM_WEIGHT = 0.5
FUZZY_WEIGHT = 0.5
FUZZY_MIN_LETTERS = 5
FUZZY_TWO_EDITS_FROM = 8
MAX_FUZZY_PER_WORD = 3
MAX_FUZZY_WORDS = 4
MAX_SYNONYMS_PER_GROUP = 6
MAX_EXPANSIONS = 30

TYPED, FORM, SYNONYM, FUZZY = "typed", "form", "synonym", "fuzzy"


@dataclass(frozen=True)
class Alternative:
    """One way to find a group: words to analyse (`text`), or for FUZZY an index term of
    the backend (`text` is then that term, already analysed)."""

    text: str
    weight: float = 1.0
    source: str = TYPED


@dataclass
class Group:
    item: QueryItem
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def required(self) -> bool:
        """A quoted phrase must be found; words are ranked by how many are."""
        return self.item.phrase


@dataclass
class QueryPlan:
    parsed: ParsedQuery
    groups: list[Group]
    excluded: tuple[QueryItem, ...]

    @property
    def optional(self) -> list[Group]:
        return [g for g in self.groups if not g.required]

    @property
    def required(self) -> list[Group]:
        return [g for g in self.groups if g.required]

    def highlighted_words(self) -> str:
        """Every word looked for but the fuzzy terms (already analysed), for highlights."""
        return " ".join(a.text for g in self.groups for a in g.alternatives if a.source != FUZZY)

    def fuzzy_terms(self) -> list[str]:
        return [a.text for g in self.groups for a in g.alternatives if a.source == FUZZY]


def max_edits(word: str) -> int:
    """Edits allowed for a typed word: none under 5 letters, 1 up to 7, 2 beyond."""
    letters = len(word)
    if letters < FUZZY_MIN_LETTERS:
        return 0
    return 1 if letters < FUZZY_TWO_EDITS_FROM else 2


def word_forms(word: str) -> list[str]:
    """Spellings the stemmer does not merge: final « e »/« s » added or removed, doubled
    letters written once. Only forms whose stems differ from the word's."""
    folded = fold(word)
    if len(folded) < FUZZY_MIN_LETTERS or not folded.isalpha():
        return []
    candidates = [folded[:-1]] if folded[-1] in "es" else [folded + "e"]
    squeezed = "".join(c for i, c in enumerate(folded) if i == 0 or c != folded[i - 1])
    candidates.append(squeezed)
    seen = {tuple(french_tokens(folded))}
    forms = []
    for candidate in candidates:
        stems = tuple(french_tokens(candidate))
        if stems and stems not in seen:
            seen.add(stems)
            forms.append(candidate)
    return forms


def within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b at most `limit` (cheap: common ends are cut first)."""
    if abs(len(a) - len(b)) > limit:
        return False
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return len(b) <= limit
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


Near = Callable[[str, int], list[str]]


def plan(text: str, near: Near | None = None, thesaurus=None) -> QueryPlan:
    """The groups of a query. `near(word, edits)` returns the backend's closest visible
    index terms for a word found in no visible document ([] when it is found)."""
    parsed = parse_query(text)
    thesaurus = synonyms.current() if thesaurus is None else thesaurus
    groups = []
    for item in parsed.positive:
        if not french_tokens(" ".join(item.words)):
            continue  # stop words only: nothing to look for
        group = Group(item, [Alternative(" ".join(item.words))])
        if not item.phrase:
            group.alternatives += [
                Alternative(f, FORM_WEIGHT, FORM) for f in word_forms(item.words[0])
            ]
        groups.append(group)
    _add_synonyms(groups, thesaurus)
    if near is not None:
        _add_fuzzy(groups, near)
    return QueryPlan(parsed=parsed, groups=groups, excluded=parsed.negative)


def _add_synonyms(groups: list[Group], thesaurus) -> None:
    """Runs of typed words (not phrases) that are a term of an entry get its other terms."""
    stems, owner = [], []
    for number, group in enumerate(groups):
        if group.required:
            continue
        for stem in french_tokens(group.item.words[0]):
            stems.append(stem)
            owner.append(number)
    added = 0
    for start, end, others in thesaurus.matches(stems):
        covered = sorted(set(owner[start:end]))
        for number in covered:
            group = groups[number]
            known = {a.text.lower() for a in group.alternatives}
            for other in others:
                synonyms_here = sum(a.source == SYNONYM for a in group.alternatives)
                if added >= MAX_EXPANSIONS or synonyms_here >= MAX_SYNONYMS_PER_GROUP:
                    return
                if other.lower() in known:
                    continue
                known.add(other.lower())
                group.alternatives.append(
                    Alternative(other, SYNONYM_WEIGHT / len(covered), SYNONYM)
                )
                added += 1


def _add_fuzzy(groups: list[Group], near: Near) -> None:
    tried = 0
    for group in groups:
        if group.required or tried >= MAX_FUZZY_WORDS:
            continue
        word = fold(group.item.words[0])
        edits = max_edits(word)
        if not edits or not word.isalpha():
            continue
        tried += 1
        for term in near(word, edits)[:MAX_FUZZY_PER_WORD]:
            group.alternatives.append(Alternative(term, FUZZY_WEIGHT, FUZZY))
