"""The ask form's "addressed to a person" chooser: a search of the directory, then radio
buttons for at most 20 matches, with and without JavaScript (htmx), never the whole directory.
"""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa.models import Question

pytestmark = pytest.mark.django_db

SEARCH_URL = "/questions/destinataires/"
ASK_URL = "/questions/poser/"


@pytest.fixture
def people(make_person, make_position, make_structure):
    """Three listed people and one who objected to being listed."""
    barreme = make_structure(name="Commune de Barrême")
    entrevaux = make_structure(name="Entrevaux")
    helene = make_person(first_name="Hélène", last_name="Médard")
    make_position(person=helene, structure=barreme, function="Secrétaire de mairie")
    ondine = make_person(first_name="Ondine", last_name="Fictive")
    make_position(person=ondine, structure=entrevaux, function="Maire")
    odile = make_person(first_name="Odile", last_name="Fictive")
    make_position(person=odile, structure=barreme, function="Adjointe au maire")
    hidden = make_person(first_name="Ondine", last_name="Cachée", is_listed=False)
    make_position(person=hidden, structure=entrevaux, function="Maire")
    return {"helene": helene, "ondine": ondine, "odile": odile, "hidden": hidden}


def _names(client, query):
    response = client.get(SEARCH_URL, {"q": query})
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def _checked_values(html):
    return re.findall(r'name="addressed_to_person" value="(\d*)"[^>]*checked', html)


def _choices(html):
    """The people offered as radio buttons (the "nobody" choice left out)."""
    return {int(pk) for pk in re.findall(r'name="addressed_to_person" value="(\d+)"', html)}


def _ask_data(topic, **extra):
    return {
        "kind": "question",
        "title": "Qui signe les conventions de déneigement ?",
        "body": "Nous cherchons la bonne personne pour signer la convention.",
        "topics": [topic.pk],
        "submission_token": uuid.uuid4().hex,
        **extra,
    }


def test_visitors_are_sent_to_login_and_pending_accounts_get_nothing(client, pending_user, people):
    response = client.get(SEARCH_URL, {"q": "fictive"})
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]
    client.force_login(pending_user)
    response = client.get(SEARCH_URL, {"q": "fictive"})
    assert b"Fictive" not in response.content


def test_search_ignores_case_and_accents_in_names_functions_and_structures(client, member, people):
    client.force_login(member)
    assert _names(client, "helene") == ["Hélène Médard"]
    assert _names(client, "MEDARD") == ["Hélène Médard"]
    assert _names(client, "Médard") == ["Hélène Médard"]
    # Function and structure, each word of the query narrowing the matches.
    assert _names(client, "secretaire barreme") == ["Hélène Médard"]
    assert _names(client, "barrême") == ["Odile Fictive", "Hélène Médard"]
    assert _names(client, "entrevaux") == ["Ondine Fictive"]
    assert _names(client, "fictive maire") == ["Odile Fictive", "Ondine Fictive"]
    assert _names(client, "fictive adjointe") == ["Odile Fictive"]
    assert _names(client, "personne inconnue") == []


def test_search_leaves_out_unlisted_people_and_answers_nothing_below_two_letters(
    client, member, people
):
    client.force_login(member)
    assert _names(client, "ondine") == ["Ondine Fictive"]
    assert _names(client, "o") == []
    assert _names(client, "") == []


def test_search_returns_at_most_20_people_and_says_there_are_more(
    client, member, make_person, django_assert_max_num_queries
):
    for n in range(25):
        make_person(first_name=f"Agent{n:02d}", last_name="Durance")
    client.force_login(member)
    body = client.get(SEARCH_URL, {"q": "durance"}).json()
    assert len(body["results"]) == 20
    assert body["more"] is True
    assert body["results"][0]["name"] == "Agent00 Durance"
    html = client.get(SEARCH_URL, {"q": "durance"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Plus de 20 personnes correspondent" in html


def test_search_runs_the_same_number_of_queries_for_2_or_40_matches(
    client, member, make_person, make_position
):
    client.force_login(member)

    def count(n):
        for _ in range(n):
            make_position(person=make_person(last_name="Verdon"), function="Maire")
        with CaptureQueriesContext(connection) as context:
            response = client.get(SEARCH_URL, {"q": "verdon maire"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return len(context.captured_queries)

    few = count(2)
    many = count(38)
    assert few == many
    assert many <= 10


def test_the_htmx_fragment_keeps_the_person_already_chosen(client, member, people):
    client.force_login(member)
    helene = people["helene"]
    html = client.get(
        SEARCH_URL,
        {"person_query": "fictive", "addressed_to_person": helene.pk},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert _checked_values(html) == [str(helene.pk)]
    assert _choices(html) == {helene.pk, people["ondine"].pk, people["odile"].pk}
    assert 'hx-swap-oob="innerHTML"' in html
    assert "2 personnes trouvées." in html


def test_the_ask_form_never_lists_the_whole_directory(client, member, make_person):
    for n in range(30):
        make_person(last_name=f"Zéphyrin{n}")
    client.force_login(member)
    html = client.get(ASK_URL).content.decode()
    assert 'name="person_query"' in html
    assert "Zéphyrin" not in html
    assert _choices(html) == set()
    assert '<select name="addressed_to_person"' not in html


def test_the_ask_form_queries_do_not_grow_with_the_directory(
    client, member, make_person, make_position
):
    client.force_login(member)

    def count():
        with CaptureQueriesContext(connection) as context:
            response = client.post(
                ASK_URL, {"person_query": "maire", "person_search": "1", "title": "Un titre"}
            )
        assert response.status_code == 200
        return len(context.captured_queries)

    make_position(person=make_person(), function="Maire")
    few = count()
    for _ in range(40):
        make_position(person=make_person(), function="Maire")
    assert count() == few


def test_the_person_chosen_in_the_directory_is_checked_on_the_ask_form(client, member, people):
    ondine = people["ondine"]
    client.force_login(member)
    html = client.get(ASK_URL, {"destinataire": ondine.pk}).content.decode()
    assert _checked_values(html) == [str(ondine.pk)]
    assert "Ondine Fictive" in html
    assert "Maire, Entrevaux" in html
    junk = client.get(ASK_URL, {"destinataire": "abc<script>"})
    assert junk.status_code == 200
    assert _checked_values(junk.content.decode()) == []


def test_searching_without_javascript_keeps_what_was_typed_and_lists_matches(
    client, member, topic, people
):
    client.force_login(member)
    data = _ask_data(topic, person_query="fictive", person_search="1")
    html = client.post(ASK_URL, data).content.decode()
    assert "Le formulaire contient des erreurs" not in html
    assert "Qui signe les conventions de déneigement ?" in html
    assert "Nous cherchons la bonne personne" in html
    assert 'value="fictive"' in html
    assert _choices(html) == {people["odile"].pk, people["ondine"].pk}
    assert _checked_values(html) == [""]
    assert "2 personnes trouvées." in html
    assert not Question.objects.exists()


def test_publishing_with_a_person_chosen_addresses_the_question_to_them(
    client, member, topic, people
):
    client.force_login(member)
    ondine = people["ondine"]
    data = _ask_data(topic, person_query="fictive", addressed_to_person=ondine.pk, publish="1")
    response = client.post(ASK_URL, data)
    assert response.status_code == 302
    assert Question.objects.get().addressed_to_person == ondine


def test_a_search_with_a_single_match_is_resolved_on_publishing(client, member, topic, people):
    client.force_login(member)
    response = client.post(ASK_URL, _ask_data(topic, person_query="medard", publish="1"))
    assert response.status_code == 302
    assert Question.objects.get().addressed_to_person == people["helene"]


def test_an_ambiguous_search_is_a_clear_error_that_keeps_everything(client, member, topic, people):
    client.force_login(member)
    html = client.post(ASK_URL, _ask_data(topic, person_query="fictive", publish="1")).content
    html = html.decode()
    assert not Question.objects.exists()
    assert "Plusieurs personnes correspondent à « fictive »" in html
    assert 'aria-invalid="true"' in html
    assert "Qui signe les conventions de déneigement ?" in html
    assert _choices(html) == {people["odile"].pk, people["ondine"].pk}


def test_a_search_without_match_or_an_unlisted_person_is_refused(client, member, topic, people):
    client.force_login(member)
    html = client.post(ASK_URL, _ask_data(topic, person_query="zorglub", publish="1"))
    assert "Aucune personne de l&#x27;annuaire ne correspond à « zorglub »" in html.content.decode()
    hidden = people["hidden"]
    html = client.post(ASK_URL, _ask_data(topic, addressed_to_person=hidden.pk, publish="1"))
    assert "Cette personne n&#x27;est pas dans l&#x27;annuaire." in html.content.decode()
    assert not Question.objects.exists()


def test_a_validation_error_elsewhere_keeps_the_person_chosen(client, member, topic, people):
    client.force_login(member)
    helene = people["helene"]
    data = _ask_data(topic, title="Court", addressed_to_person=helene.pk, publish="1")
    html = client.post(ASK_URL, data).content.decode()
    assert "Le titre doit faire au moins" in html
    assert _checked_values(html) == [str(helene.pk)]
