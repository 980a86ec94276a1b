"""The snippets of a search result: the same page shows the same passages every time."""

from website.search.analysis import french_tokens
from website.search.backends.whoosh import _Marker


class _Plan:
    """What `_Marker` reads of a query plan: the words looked for."""

    def __init__(self, words):
        self.words = words

    def highlighted_words(self):
        return self.words

    def fuzzy_terms(self):
        return frozenset()


FILLER = " ".join(["Le conseil municipal en a longuement parlé."] * 8)
TEXT = (
    f"Le déneigement du début. {FILLER} Le déneigement du milieu. {FILLER} "
    f"Le déneigement de la fin."
)


def test_equally_good_passages_give_the_earliest_ones_every_time():
    """Whoosh breaks a tie between passages of equal score by their objects' addresses in
    memory: the same result could show other passages on the next request."""
    assert french_tokens("déneigement")
    snippets = {_Marker(_Plan("déneigement")).snippet(TEXT) for _ in range(30)}
    assert len(snippets) == 1
    snippet = snippets.pop()
    assert "début" in snippet and "milieu" in snippet and "fin" not in snippet
    assert "<mark>déneigement</mark>" in snippet


def test_a_better_passage_still_wins_over_an_earlier_one():
    text = f"Le déneigement seul. {FILLER} Le déneigement des voies communales. {FILLER}"
    snippet = _Marker(_Plan("déneigement voies")).snippet(text)
    assert "<mark>voies</mark>" in snippet
