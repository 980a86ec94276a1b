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
