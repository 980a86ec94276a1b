"""One ranking everywhere (issue 12, item 4): every place that suggests something from typed
text asks the search service, on each backend.

- the ask form's similar questions with JavaScript (`/recherche/similaires/`, htmx fragment)
  and without (the "Prévisualiser" round trip of `/questions/poser/`);
- the questions a regulatory update may affect (`website.pages.selectors`);
- the directory's "who handles…" (`/annuaire/?q=`).

Each is given a paraphrase (other words, other order, other forms) of what the thread or
the directory entry says.
"""

import pytest

from website.search import services

pytestmark = pytest.mark.django_db

SALT_TITLE = "Comment monter un groupement de commandes pour le sel de déneigement ?"
PARAPHRASE = "Commander le sel de déneigement en groupement"


@pytest.fixture
def threads(search_backend, ask, index, make_topic):
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    salt = ask(
        SALT_TITLE,
        body="Avec trois communes voisines nous achetons chacune notre sel de déneigement, en "
        "petites quantités et donc cher. Faut-il une délibération de chaque conseil ?",
        topics=[purchase],
    )
    roads = ask(
        "Déneigement des routes communales par un agriculteur",
        body="Une convention avec un exploitant agricole est-elle nécessaire ?",
    )
    permits = ask(
        "Qui instruit les permis de construire depuis la fin de l'ADS de l'État ?",
        body="La DDT n'instruit plus nos autorisations d'urbanisme. Faut-il une convention "
        "avec le service instructeur de la communauté de communes ?",
    )
    index(salt, roads, permits)
    return {"salt": salt, "roads": roads, "permits": permits}


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_the_ask_form_with_javascript_finds_the_thread_from_a_paraphrased_title(
    threads, member_client
):
    response = member_client.get(
        "/recherche/similaires/", {"titre": PARAPHRASE}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert 'id="qa-similar"' in content
    assert threads["salt"].get_absolute_url() in content
    assert threads["permits"].get_absolute_url() not in content
    first = member_client.get("/recherche/similaires/", {"titre": PARAPHRASE}).json()["results"][0]
    assert first["title"] == SALT_TITLE


def test_the_ask_form_without_javascript_uses_the_same_ranking(threads, member_client):
    html = member_client.post(
        "/questions/poser/", {"title": PARAPHRASE, "body": "Texte", "preview": "1"}
    ).content.decode()
    assert threads["salt"].get_absolute_url() in html
    assert threads["permits"].get_absolute_url() not in html
    # The same list, in the same order, as the live one.
    live = member_client.get("/recherche/similaires/", {"titre": PARAPHRASE}).json()["results"]
    positions = [html.index(hit["url"]) for hit in live]
    assert positions == sorted(positions)


def test_the_preview_finds_a_thread_by_what_its_body_says(threads, member_client):
    # No word of this title is in the thread's title: a title match (the preview's former
    # database query) found nothing; the search ranking reads the whole thread.
    html = member_client.post(
        "/questions/poser/",
        {"title": "Délibération de chaque conseil pour le sel", "body": "Texte", "preview": "1"},
    ).content.decode()
    assert threads["salt"].get_absolute_url() in html


def test_the_preview_suggests_nothing_the_asker_may_not_see(threads, client, member, moderator):
    from qa.services import post_delete

    # A deleted thread stays in the index for moderators only.
    post_delete(post=threads["salt"], by=moderator, reason="Doublon")
    services.sync([f"question:{threads['salt'].pk}"])
    client.force_login(member)
    html = client.post(
        "/questions/poser/", {"title": PARAPHRASE, "body": "Texte", "preview": "1"}
    ).content.decode()
    assert threads["salt"].get_absolute_url() not in html


def test_a_regulatory_update_suggests_the_threads_its_text_is_about(threads, editor):
    from website.pages.models import RegulatoryUpdatePage
    from website.pages.suggestions import suggested_questions_for

    update = RegulatoryUpdatePage(title="Service instructeur des permis de construire")
    suggestions = suggested_questions_for(update, user=editor)
    assert suggestions[0] == threads["permits"]
    assert threads["salt"] not in suggestions


@pytest.fixture
def handlers(search_backend, index, make_topic, make_structure, make_person, make_position):
    from directory.models import Competence

    purchase = make_topic(name="Commande publique", slug="commande-publique")
    cc = make_structure(name="CC du Haut Pays", slug="cc-haut-pays")
    Competence.objects.create(structure=cc, topic=purchase)
    buyer = make_person(first_name="Corentin", last_name="Achardier")
    make_position(person=buyer, structure=cc, function="Responsable de la commande publique")
    hidden = make_person(first_name="Ninon", last_name="Discrète", is_listed=False)
    make_position(person=hidden, structure=cc, function="Acheteuse, commande publique")
    clerk = make_person(first_name="Noémie", last_name="Vallonet")
    make_position(person=clerk, structure=cc, function="Secrétaire de mairie")
    index(cc, buyer, hidden, clerk)
    return {"cc": cc, "buyer": buyer, "hidden": hidden, "clerk": clerk}


def test_the_directory_says_who_handles_a_subject(
    handlers, member_client, django_assert_max_num_queries
):
    # The directory page's own queries, two searches (people, structures: a few statements
    # each on PostgreSQL) and two queries to read what they found.
    with django_assert_max_num_queries(40):
        response = member_client.get("/annuaire/", {"q": "commandes publiques"})
    content = response.content.decode()
    section = content.split('id="handlers-title"')[1].split("</section>")[0]
    assert "Qui s'occupe de « commandes publiques » ?" in content
    assert "Corentin Achardier" in section
    assert "Responsable de la commande publique — CC du Haut Pays" in section
    assert handlers["cc"].get_absolute_url() in section
    # Unlisted people are not in the index; a function on another subject does not match.
    assert "Discrète" not in content
    assert "Vallonet" not in section


def test_the_directory_shows_no_handlers_without_a_typed_subject(handlers, member_client):
    content = member_client.get("/annuaire/").content.decode()
    assert 'id="handlers-title"' not in content
