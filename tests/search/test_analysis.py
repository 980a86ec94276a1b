"""French analysis and the query language (no index needed)."""

from website.search.analysis import french_tokens, name_tokens, parse_query


def test_mutualiser_mutualisation_and_mutualise_share_one_stem():
    assert french_tokens("mutualiser") == french_tokens("mutualisation") == ["mutualis"]
    assert french_tokens("mutualisé") == ["mutualis"]


def test_accents_are_folded_before_stemming():
    assert french_tokens("réseau") == french_tokens("reseaux") == french_tokens("Réseaux")
    assert french_tokens("sécurité") == french_tokens("securite")


def test_les_and_other_stop_words_are_dropped():
    assert french_tokens("Mutualiser les marchés publics des communes") == [
        "mutualis",
        "march",
        "public",
        "commun",
    ]


def test_apostrophes_split_the_elided_article():
    assert french_tokens("l'intercommunalité") == french_tokens("intercommunalité")
    assert french_tokens("L’intercommunalité") == french_tokens("intercommunalite")


def test_names_are_folded_but_not_stemmed():
    assert name_tokens("Hélène Lefèvre") == ["helene", "lefevre"]
    assert name_tokens("Lefèvres") != name_tokens("Lefèvre")


def test_quoted_words_make_a_phrase_and_a_dash_excludes():
    parsed = parse_query('"marchés publics" -voirie')
    assert [(i.words, i.phrase, i.negated) for i in parsed.items] == [
        (("marchés", "publics"), True, False),
        (("voirie",), False, True),
    ]
    assert parsed.canonical() == '"marchés publics" -voirie'


def test_an_unbalanced_quote_runs_to_the_end():
    parsed = parse_query('cantine "marchés publics')
    assert parsed.canonical() == 'cantine "marchés publics"'


def test_bad_input_is_cleaned_not_rejected():
    assert parse_query("*").is_empty
    assert parse_query("😀 🙂").is_empty
    assert parse_query("\x00\x1b[31mvoirie\x07").canonical() == "31mvoirie"
    assert len(parse_query("mot " * 2000).items) <= 12
    assert parse_query("AND").canonical() == "and"


def test_a_query_of_stop_words_says_so():
    assert parse_query("les de la").only_stop_words
    assert not parse_query("les réseaux").only_stop_words


def test_the_one_pass_analyzer_gives_the_chain_of_filters_tokens():
    """`FrenchAnalyzer` replaces five chained Whoosh filters for speed: same terms, positions
    (stop words removed and renumbered) and character offsets, so phrases and highlights
    behave as with the chain."""
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.support.charset import accent_map

    from website.search.analysis import FRENCH_STOP_WORDS, french_analyzer, name_analyzer

    chain = (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=2)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr")
    )
    names_chain = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)
    texts = [
        "Les élus de l'intercommunalité mutualisent les marchés publics des communes.",
        "À la mairie, l’ŒUVRE d'Éloïse : 3 délégués, 12 réseaux d'eau ; y a-t-il un écart ?",
        "de la le",
        "",
    ]

    def tokens(analyzer, text, **options):
        return [
            (t.text, t.pos, t.startchar, t.endchar, t.stopped)
            for t in analyzer(text, positions=True, chars=True, **options)
        ]

    for text in texts:
        for options in ({}, {"removestops": False}, {"mode": "query"}, {"start_pos": 5}):
            assert tokens(french_analyzer(), text, **options) == tokens(chain, text, **options)
        assert tokens(name_analyzer(), text) == tokens(names_chain, text)


def test_spelling_words_are_neither_folded_nor_stemmed():
    """Whoosh asks its spelling field for words with `nomorph`: suggestions are real words,
    with their accents."""
    from website.search.analysis import french_analyzer

    analyzer = french_analyzer()
    assert [t.text for t in analyzer("Mutualisation des réseaux", nomorph=True)] == [
        "mutualisation",
        "réseaux",
    ]
    assert [t.text for t in analyzer("Mutualisation des réseaux", no_morph=True)] == [
        "mutualisation",
        "réseaux",
    ]
