"""A search that finds nothing helps (issue 12, item 6): words to remove, the closest topics
and the people of the directory who handle them; through the test client, on each backend."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(search_backend, ask, index, make_topic, make_user, make_person, make_position):
    from directory.models import Competence, InterestKind, TopicInterest

    urbanism = make_topic(name="Urbanisme", slug="urbanisme")
    make_topic(name="Culture", slug="culture")
    canteen = ask(
        "Quelle subvention pour rénover la cantine ?",
        body="Notre restaurant scolaire date de 1978.",
        topics=[make_topic(name="Finances", slug="finances")],
    )
    permits = ask(
        "Instruction des permis de construire par la CC",
        body="Le service ADS instruit les dossiers.",
        topics=[urbanism],
    )
    expert_account = make_user(roles=["Experts"])
    expert = make_person(user=expert_account, first_name="Ophélie", last_name="Plansol")
    TopicInterest.objects.create(
        person=expert, topic=urbanism, kind=InterestKind.EXPERTISE, is_confirmed=True
    )
    contact = make_person(first_name="Félicien", last_name="Bramafan")
    cc = make_position(person=contact, function="Instructeur ADS").structure
    Competence.objects.create(structure=cc, topic=urbanism, contact=contact)
    hidden = make_person(first_name="Ninon", last_name="Discrète", is_listed=False)
    Competence.objects.create(
        structure=make_position(person=hidden).structure, topic=urbanism, contact=hidden
    )
    index(canteen, permits)
    return {"canteen": canteen, "permits": permits, "cc": cc}


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_removing_a_word_is_offered_with_what_it_finds(site, member_client):
    # A quoted phrase must be found (with or without the any-word ranking): it empties the page.
    query = '"gymnase neuf" subvention cantine'
    content = member_client.get("/recherche/", {"q": query, "kind": "question"}).content.decode()
    assert "pour « &quot;gymnase neuf&quot; subvention cantine »" in content
    assert "En retirant un mot" in content
    # Without the phrase the thread is found; the filter is kept in the link.
    assert 'href="?q=subvention+cantine&amp;kind=question"' in content
    assert "(sans « &quot;gymnase neuf&quot; » : 1 résultat)" in content
    # Removing a word keeps the phrase, which still finds nothing: no link for it.
    removals = content.split('id="empty-removals"')[1].split("</ul>")[0]
    assert removals.count("<li>") == 1


def test_the_closest_topics_and_their_people_are_shown_to_members(
    site, member_client, django_assert_max_num_queries
):
    # Three searches (the page's and one per typed word; PostgreSQL adds a few statements
    # per search), the topics, the experts (two) and the competences' contacts.
    with django_assert_max_num_queries(40):
        response = member_client.get("/recherche/", {"q": '"urbanisme gymnase"'})
    content = response.content.decode()
    topics = content.split('id="empty-topics"')[1].split("</ul>")[0]
    assert 'href="/sujets/urbanisme/">Urbanisme</a>' in topics
    assert "Culture" not in topics
    people = content.split('id="empty-people"')[1].split("</ul>")[0]
    assert "Ophélie Plansol" in people
    assert "Félicien Bramafan" in people
    assert f"Urbanisme — {site['cc'].name}" in people
    # An unlisted person is never shown, even as a competence's contact.
    assert "Discrète" not in content


def test_a_misspelt_topic_name_is_still_close(site, member_client):
    content = member_client.get("/recherche/", {"q": '"urbanismme communal"'}).content.decode()
    topics = content.split('id="empty-topics"')[1].split("</ul>")[0]
    assert "Urbanisme" in topics


def test_visitors_get_no_people(site, client, settings):
    settings.PUBLIC_READ = True
    content = client.get("/recherche/", {"q": '"urbanisme gymnase"'}).content.decode()
    assert "Urbanisme" in content.split('id="empty-topics"')[1]
    assert 'id="empty-people"' not in content
    assert "Plansol" not in content


def test_a_page_with_results_shows_no_empty_help(site, member_client):
    content = member_client.get("/recherche/", {"q": "cantine"}).content.decode()
    assert "En retirant un mot" not in content
    assert 'id="empty-topics"' not in content
