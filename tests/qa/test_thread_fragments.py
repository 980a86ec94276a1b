"""The thread's shared fragment (qa.views.threads._shared_parts, docs/architecture.md « Thread
fragments »): each post's body, attachments, marks and byline come from the cache until the
next write, which shows on the next request; what belongs to one viewer (their vote, buttons,
« Nouveau » marks) is never served to another; a moderator's fragment is their own."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from directory.roles import MODERATORS
from qa import services
from qa.attachments import check_upload
from tests.qa.attachment_files import pdf
from website import http_cache

pytestmark = pytest.mark.django_db


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _article(html, answer):
    start = html.index(f'id="reponse-{answer.pk}"')
    return html[start : html.index("</article>", start)]


@pytest.fixture
def thread(make_question, make_user, make_person):
    asker, answerer = make_user(), make_user()
    make_person(user=answerer)
    question = make_question(author=asker, body="Comment faire ?")
    answers = [
        services.answer_create(
            question=question,
            author=answerer,
            body="Voici la délibération.",
            attachments=[check_upload(SimpleUploadedFile("délibération.pdf", pdf()))],
        ),
        services.answer_create(question=question, author=answerer, body="Piste n° 2"),
    ]
    services.comment_create(post=answers[0], author=asker, body="Merci, c'est clair.")
    return question, answers, asker, answerer


@pytest.fixture
def reader(client, member, thread):
    """A member who has read the thread twice: its fragment is in the cache."""
    client.force_login(member)
    url = thread[0].get_absolute_url()
    _html(client, url)
    _html(client, url)
    return client


def test_the_posts_come_from_the_cache_until_a_write(reader, thread):
    question, answers, *_ = thread
    url = question.get_absolute_url()
    generation = cache.get(http_cache.GENERATION_KEY)
    # A change the generation does not see (put back as it was) is not shown: the posts'
    # HTML is the cached one, rendered before it…
    answers[1].body_html = "<p>Changé en douce</p>"
    answers[1].save(update_fields=["body_html"])
    cache.set(http_cache.GENERATION_KEY, generation)
    assert "Piste n° 2" in _html(reader, url) and "Changé en douce" not in _html(reader, url)
    # … and any write shows it on the next request.
    services.comment_create(post=question, author=thread[3], body="Un mot de plus.")
    html = _html(reader, url)
    assert "Changé en douce" in html and "Un mot de plus." in html


def test_an_edit_a_vote_an_acceptance_and_a_deletion_show_on_the_next_request(
    reader, thread, member, moderator
):
    question, answers, asker, answerer = thread
    url = question.get_absolute_url()
    services.post_edit(post=answers[1], by=answerer, body="Piste revue et corrigée")
    html = _html(reader, url)
    assert "Piste revue et corrigée" in html and "Piste n° 2" not in html

    services.vote_cast(user=member, post=answers[1], value=1)
    article = _article(_html(reader, url), answers[1])
    assert "qa-vote__button--on" in article and '<span class="visually-hidden">' in article

    assert "qa-mark--accepted" not in _article(_html(reader, url), answers[1])
    services.answer_accept(answer=answers[1], by=asker)
    assert "qa-mark--accepted" in _article(_html(reader, url), answers[1])

    services.post_delete(post=answers[0], by=moderator, reason="Hors sujet")
    assert f'id="reponse-{answers[0].pk}"' not in _html(reader, url)


def test_a_comment_and_its_edit_show_on_the_next_request(reader, thread, member):
    question, answers, asker, _ = thread
    url = question.get_absolute_url()
    comment = services.comment_create(post=answers[1], author=member, body="Et pour nous ?")
    assert "Et pour nous ?" in _article(_html(reader, url), answers[1])
    services.post_edit(post=comment, by=member, body="Et pour une commune de 300 habitants ?")
    article = _article(_html(reader, url), answers[1])
    assert "300 habitants" in article and f'href="/commentaires/{comment.pk}/versions/"' in article


def test_an_expert_validation_shows_on_the_next_request(reader, thread, expert):
    question, answers, *_ = thread
    assert "qa-mark--validated" not in _html(reader, question.get_absolute_url())
    services.answer_validate(answer=answers[1], by=expert)
    assert "qa-mark--validated" in _article(_html(reader, question.get_absolute_url()), answers[1])


def test_the_author_s_new_name_shows_in_the_bylines(reader, thread):
    question, answers, _, answerer = thread
    answerer.first_name, answerer.last_name = "Camille", "Nouveaunom"
    answerer.save(update_fields=["first_name", "last_name"])
    html = _html(reader, question.get_absolute_url())
    assert html.count("Camille Nouveaunom") >= len(answers)


def test_a_moderator_s_fragment_is_their_own_and_a_role_change_shows_at_once(
    reader, thread, member, moderator
):
    question, answers, *_ = thread
    url = question.get_absolute_url()
    document = answers[0].attachments.get()
    remove = f'href="/pieces-jointes/{document.pk}/retirer/"'
    assert "délibération.pdf" in _html(reader, url) and remove not in _html(reader, url)
    staff = Client()
    staff.force_login(moderator)
    assert remove in _html(staff, url)
    assert remove not in _html(reader, url)  # the member still gets the members' fragment
    member.groups.add(Group.objects.get(name=MODERATORS))
    assert remove in _html(reader, url)


def test_a_language_switch_shows_the_posts_and_the_empty_forms_in_the_new_language(reader, thread):
    """Both shared fragments, the posts and the empty answer and comment forms
    (qa_tags._empty_forms), are kept per language."""
    url = thread[0].get_absolute_url()
    french = ("Répondu le", "Ajouter un commentaire")
    assert all(text in _html(reader, url) for text in french)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _html(reader, url)
    assert all(text in english for text in ("Answered on", "Add a comment", "Your answer"))
    assert not any(text in english for text in french)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert all(text in _html(reader, url) for text in french)


def test_two_members_alternately_see_only_their_own_marks(thread, make_user):
    question, answers, asker, answerer = thread
    url = question.get_absolute_url()
    first, second = Client(), Client()
    first_user, second_user = make_user(), make_user()
    first.force_login(first_user)
    second.force_login(second_user)
    _html(first, url)  # the first member's visit: what follows is new to them only
    services.vote_cast(user=first_user, post=answers[1], value=-1)
    later = services.answer_create(question=question, author=answerer, body="Une autre piste")
    _html(second, url)  # the second member's first visit: nothing is new to them
    services.vote_cast(user=second_user, post=question, value=1)
    for shown_since_last_visit in (True, False):
        mine = _html(first, url)
        assert "qa-vote__button--on" in _article(mine, answers[1])
        assert mine.count("qa-vote__button--on") == 1
        assert ('id="premier-non-lu"' in _article(mine, later)) is shown_since_last_visit
        theirs = _html(second, url)
        assert theirs.count("qa-vote__button--on") == 1
        assert "qa-vote__button--on" not in _article(theirs, answers[1])
        assert "premier-non-lu" not in theirs and "qa-mark--new" not in theirs
        assert "Une autre piste" in theirs
    assert f'href="/reponses/{later.pk}/modifier/"' not in _html(second, url)
    author = Client()
    author.force_login(answerer)
    assert f'href="/reponses/{later.pk}/modifier/"' in _html(author, url)


def _form_field(html, action, name):
    """The value of the field `name` in the form posting to `action`."""
    form = html[html.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    return re.search(rf'name="{name}" value="([^"]+)"', form).group(1)


def test_the_shared_empty_forms_carry_each_member_s_own_csrf_field_and_tokens(
    thread, make_user, member
):
    """The empty answer and comment forms are one shared fragment (qa_tags._empty_forms):
    each copy gets the member's CSRF field and a fresh one-time token."""
    question, answers, *_ = thread
    url = question.get_absolute_url()
    action = f"/reponses/{answers[1].pk}/commenter/"
    other = Client(enforce_csrf_checks=True)
    other.force_login(make_user())
    mine = Client(enforce_csrf_checks=True)
    mine.force_login(member)
    _html(other, url)  # the forms' fragment is stored by another member's request
    html = _html(mine, url)
    assert html.count('name="csrfmiddlewaretoken"') >= 1 + 1 + len(answers)
    assert "<!--qa-csrf-->" not in html and "qa-stamp" not in html
    tokens = re.findall(r'name="submission_token" value="(\w+)"', html)
    assert len(tokens) == len(set(tokens)) == 1 + 1 + len(answers)
    response = mine.post(
        action,
        {
            "csrfmiddlewaretoken": _form_field(html, action, "csrfmiddlewaretoken"),
            "submission_token": _form_field(html, action, "submission_token"),
            "body": "Posté avec le jeton de ma copie du formulaire.",
        },
    )
    assert response.status_code == 302
    assert "Posté avec le jeton de ma copie du formulaire." in _html(mine, url)


def test_a_promotion_to_the_faq_shows_on_the_next_request(reader, thread, moderator):
    question, answers, asker, _answerer = thread
    url = question.get_absolute_url()
    assert "Ce fil figure dans la FAQ." not in _html(reader, url)
    services.answer_accept(answer=answers[0], by=asker)
    services.faq_promote(question=question, answer=answers[0], by=moderator)
    assert "Ce fil figure dans la FAQ." in _html(reader, url)


def test_the_search_box_keeps_the_words_searched_and_escapes_them(reader, thread):
    url = thread[0].get_absolute_url()
    assert 'id="site-search-q" type="search" name="q" value=""' in _html(reader, url)
    html = _html(reader, url + "?q=d%C3%A9neigement+%22<b>")
    assert 'name="q" value="déneigement &quot;&lt;b&gt;"' in html
