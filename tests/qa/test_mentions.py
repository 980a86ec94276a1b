"""@mentions: the syntax, its rendering and who counts as mentioned (qa/markdown.py,
qa/mentions.py). The notifications are in tests/notifications/test_mentions.py."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from qa import mentions, services
from qa.markdown import mentioned_ids, render_inline, render_markdown

pytestmark = pytest.mark.django_db


def mention(person, label=None):
    return f"@[{label or person.full_name}](personne:{person.pk})"


def test_a_mention_renders_as_a_link_to_the_directory_entry(make_person):
    person = make_person(first_name="Marie", last_name="Dupont")
    html = render_markdown(f"Bonjour {mention(person)}, une idée ?")
    assert f'<a href="/annuaire/personnes/{person.pk}/" class="mention"' in html
    assert ">@Marie Dupont</a>, une idée ?" in html


def test_the_link_names_the_person_as_the_directory_does_not_as_typed(make_person):
    person = make_person(first_name="Marie", last_name="Dupont")
    html = render_markdown(mention(person, label="Le Président"))
    assert "@Marie Dupont</a>" in html
    assert "Président" not in html


def test_comments_render_mentions_too(make_person):
    person = make_person(first_name="Marie", last_name="Dupont")
    assert 'class="mention"' in render_inline(f"Voir {mention(person)}")


def test_a_hidden_or_erased_person_or_an_unknown_id_is_plain_text(make_person, make_user):
    hidden = make_person(first_name="Paul", last_name="Caché", is_listed=False)
    erased = make_person(first_name="Éva", last_name="Effacée", user=make_user())
    erased_id = erased.pk
    erased.delete()
    html = render_markdown(
        f"{mention(hidden)} et @[Éva Effacée](personne:{erased_id}) et @[Inconnu](personne:999999)"
    )
    assert "<a" not in html
    assert "@Paul Caché et @Éva Effacée et @Inconnu" in html


def test_a_label_is_text_never_markup(make_person):
    html = render_markdown('@[<img src=x onerror=alert(1)>"](personne:999999)')
    assert "<img" not in html and "onerror=alert(1)" in html  # escaped text, not a tag
    assert "&lt;img" in html


def test_mentions_in_code_or_glued_to_a_word_are_not_mentions(make_person):
    person = make_person()
    text = f"`{mention(person)}` et jean{mention(person)}\n\n    {mention(person)}"
    assert mentioned_ids(text) == []
    assert "mention" not in render_markdown(text).replace("personne:", "")


def test_the_mentioned_ids_come_once_each_in_order(make_person):
    first, second = make_person(), make_person()
    text = f"{mention(second)} {mention(first)} {mention(second)}"
    assert mentioned_ids(text) == [second.pk, first.pk]


def test_rendering_costs_one_query_with_mentions_and_none_without(
    make_person, django_assert_num_queries
):
    people = [make_person() for _ in range(5)]
    with django_assert_num_queries(1):
        render_markdown(" ".join(mention(person) for person in people))
    with django_assert_num_queries(0):
        render_markdown("Pas de mention ici, seulement une adresse jean@exemple.fr.")


def test_only_the_first_people_mentioned_are_notified(settings, make_person, make_user, member):
    settings.QA_MENTIONS_NOTIFIED_PER_POST = 3
    without_account = make_person()
    people = [without_account] + [make_person(user=make_user()) for _ in range(4)]
    body = "Bonjour " + " ".join(mention(person) for person in people)
    question = services.question_create(
        author=member, title="Une question avec des mentions", body=body, topics=[]
    )
    # The person without an account takes a place in the cap but has no one to notify.
    assert mentions.accounts_to_notify(question) == [people[1].user_id, people[2].user_id]
    assert mentions.mentions_beyond_cap(question) == 5


def test_hidden_people_are_neither_mentioned_nor_counted(settings, make_person, member):
    settings.QA_MENTIONS_NOTIFIED_PER_POST = 1
    hidden = make_person(is_listed=False)
    shown = make_person()
    question = services.question_create(
        author=member,
        title="Une question avec des mentions",
        body=f"{mention(hidden)} {mention(shown)}",
        topics=[],
    )
    assert mentions.mentioned_people(question) == [shown]
    assert mentions.mentions_beyond_cap(question) == 0


# --- The author is told about the cap ----------------------------------------------------------


@pytest.fixture
def question(member):
    return services.question_create(
        author=member,
        title="Comment mutualiser le déneigement ?",
        body="Vos idées ?" * 3,
        topics=[],
    )


def test_posting_an_answer_with_too_many_mentions_says_who_is_notified(
    settings, client, make_user, make_person, question
):
    settings.QA_MENTIONS_NOTIFIED_PER_POST = 2
    author = make_user()
    client.force_login(author)
    body = "Je vous cite : " + " ".join(mention(make_person()) for _ in range(3))
    response = client.post(
        reverse("qa:answer_create", args=[question.pk]),
        {"body": body, "submission_token": "a" * 32},
        follow=True,
    )
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Vous mentionnez 3 personnes : seules les 2 premières" in text for text in texts)


def test_editing_with_too_many_mentions_says_so_and_a_few_do_not(
    settings, client, make_user, make_person, question
):
    settings.QA_MENTIONS_NOTIFIED_PER_POST = 2
    posted = services.answer_create(
        question=question, author=make_user(), body="Une première réponse assez longue."
    )
    client.force_login(posted.author)
    url = reverse("qa:post_modifier", args=["reponses", posted.pk])
    body = "Je vous cite : " + " ".join(mention(make_person()) for _ in range(3))
    response = client.post(url, {"body": body, "summary": ""}, follow=True)
    assert response.redirect_chain, response.content.decode()[:2000]
    assert "seules les 2 premières mentionnées sont prévenues" in response.content.decode()
    body = f"Seulement {mention(make_person())} cette fois."
    response = client.post(url, {"body": body, "summary": ""}, follow=True)
    assert response.redirect_chain
    assert "premières mentionnées" not in response.content.decode()
