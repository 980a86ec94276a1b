"""The thread page's speed work (issue 16) keeps every write visible at once and every
per-viewer part to its viewer: the probe query, the comment form rendered once per request and
stamped per post, the links built from reversed patterns, the words translated once."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from directory.roles import MODERATORS
from qa import services
from qa.models import Answer
from qa.templatetags import qa_tags
from tests.queries import counted_get

pytestmark = pytest.mark.django_db

# A member's thread page with comments and attachments, reloaded with nothing new in it:
# session, user, question, topics, probe, answers (with the member's votes), comments,
# attachments, CMS banner, related threads. Was 20 (the viewer's vote, « même problème »,
# follow, last visit, draft, log and duplicates apart), then 15 (with the visit's upsert,
# now written only when the visit changes something: qa.services.thread_visit_record).
THREAD_MAX_QUERIES = 10


def _html(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _vote_widget(html, anchor):
    start = html.index(f'id="vote-{anchor}"')
    return html[start : html.index("</div>", start)]


def _article(html, answer):
    start = html.index(f'id="reponse-{answer.pk}"')
    return html[start : html.index("</article>", start)]


@pytest.fixture
def thread(make_question, make_answer, make_comment, make_user):
    asker, answerer = make_user(), make_user()
    question = make_question(author=asker)
    answers = [
        make_answer(question=question, author=answerer, body=f"Piste n° {n}") for n in (1, 2)
    ]
    make_comment(post=question, author=answerer, body="Précisez la commune, svp.")
    return question, answers, asker, answerer


def _grow(question, people, *, answers, comments_per_answer):
    for n in range(answers):
        answer = services.answer_create(
            question=question, author=people[n % len(people)], body=f"Réponse {n}"
        )
        services.vote_cast(user=people[(n + 1) % len(people)], post=answer, value=1)
        for c in range(comments_per_answer):
            services.comment_create(post=answer, author=people[c % len(people)], body=f"c{c}")


def test_the_thread_page_stays_within_its_query_bound_at_two_sizes(
    client, make_question, make_user, member
):
    people = [make_user() for _ in range(4)]
    small = make_question(author=people[0])
    _grow(small, people, answers=1, comments_per_answer=1)
    big = make_question(author=people[0])
    _grow(big, people, answers=40, comments_per_answer=3)
    for post in (small, big):
        services.vote_cast(user=member, post=post, value=1)
        services.same_problem_toggle(user=member, question=post)
    client.force_login(member)
    # The first visits make the member's feed token (a write: the pages' shared parts are
    # rendered again after it) and record the visits: the counts compare reloads with nothing
    # new, their shared parts in the cache.
    for _ in range(2):
        client.get(small.get_absolute_url())
        client.get(big.get_absolute_url())
    _, small_count = counted_get(client, small.get_absolute_url())
    _, big_count = counted_get(client, big.get_absolute_url())
    assert big_count == small_count <= THREAD_MAX_QUERIES


def test_a_thread_without_comments_skips_their_reads(client, make_question, make_answer, member):
    bare = make_question(author=member)
    make_answer(question=bare)
    commented = make_question(author=member)
    services.comment_create(post=make_answer(question=commented), author=member, body="Vu.")
    client.force_login(member)
    # Both reloaded with nothing new, as in the test above: a first visit records the visit (a
    # write) and renders the shared parts, « Questions liées » among them, whose rows depend on
    # what the search index holds (other tests' threads, when the suite runs in one process).
    for _ in range(2):
        client.get(bare.get_absolute_url())
        client.get(commented.get_absolute_url())
    _, bare_count = counted_get(client, bare.get_absolute_url())
    _, commented_count = counted_get(client, commented.get_absolute_url())
    assert bare_count < commented_count <= THREAD_MAX_QUERIES


def test_each_post_gets_its_own_comment_form_with_a_fresh_token(client, thread, member):
    question, answers, *_ = thread
    client.force_login(member)
    html = _html(client, question.get_absolute_url())
    for post, prefix in [(question, "questions"), *[(a, "reponses") for a in answers]]:
        anchor = post.anchor
        assert f'action="/{prefix}/{post.pk}/commenter/"' in html
        assert f'id="comment-{anchor}"' in html and f'id="comment-{anchor}-files"' in html
        assert f'aria-describedby="comment-{anchor}-help"' in html
    tokens = re.findall(r'name="submission_token" value="(\w+)"', html)
    assert len(tokens) == len(set(tokens)) == 1 + 1 + len(answers)  # answer form + 3 posts
    assert "qa-stamp" not in html


def test_a_comment_posted_from_a_stamped_form_lands_on_its_answer(client, thread, member):
    question, answers, *_ = thread
    client.force_login(member)
    html = _html(client, question.get_absolute_url())
    second = answers[1]
    form = html[html.index(f'action="/reponses/{second.pk}/commenter/"') :]
    token = re.search(r'name="submission_token" value="(\w+)"', form).group(1)
    response = client.post(
        f"/reponses/{second.pk}/commenter/",
        {"body": "Même chose chez nous.", "submission_token": token},
    )
    assert response.status_code == 302
    assert second.comments.get().body == "Même chose chez nous."


def test_an_invalid_comment_reopens_its_own_form_only(client, thread, member):
    question, answers, *_ = thread
    client.force_login(member)
    response = client.post(f"/reponses/{answers[0].pk}/commenter/", {"body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('<details class="qa-comment-form" open>') == 1
    assert f'id="comment-reponse-{answers[0].pk}-error"' in html
    assert f'id="comment-reponse-{answers[1].pk}-error"' not in html


def test_edits_votes_acceptance_and_deletion_show_on_the_next_request(
    client, thread, member, moderator
):
    question, answers, asker, answerer = thread
    client.force_login(member)
    url = question.get_absolute_url()
    assert "Piste n° 1" in _html(client, url)

    services.post_edit(post=answers[0], by=answerer, body="Piste revue et corrigée")
    html = _html(client, url)
    assert "Piste revue et corrigée" in html and "Piste n° 1" not in html

    services.vote_cast(user=member, post=answers[1], value=1)
    widget = _vote_widget(_html(client, url), answers[1].anchor)
    assert "qa-vote__button--on" in widget and ">1</span>" in widget

    services.answer_accept(answer=answers[1], by=asker)
    assert "qa-answer--accepted" in _article(_html(client, url), answers[1])

    services.post_delete(post=answers[0], by=moderator, reason="Hors sujet")
    assert f'id="reponse-{answers[0].pk}"' not in _html(client, url)


def test_a_role_change_shows_on_the_next_request(client, thread, member, moderator):
    question, answers, *_ = thread
    client.force_login(member)
    url = question.get_absolute_url()
    services.post_delete(post=answers[0], by=moderator, reason="Doublon")
    assert f'id="reponse-{answers[0].pk}"' not in _html(client, url)
    assert "/restaurer/" not in _html(client, url)
    member.groups.add(Group.objects.get(name=MODERATORS))
    html = _html(client, url)
    assert f'id="reponse-{answers[0].pk}"' in html
    assert f'action="/reponses/{answers[0].pk}/restaurer/"' in html


def test_switching_language_translates_the_words_shown_under_every_post(client, thread, member):
    question, answers, *_ = thread
    client.force_login(member)
    url = question.get_absolute_url()
    french = _html(client, url)
    assert "Utile (+1)" in french and "Ajouter un commentaire" in french
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _html(client, url)
    assert "Helpful (+1)" in english and "Utile (+1)" not in english
    assert "Add a comment" in english and "Ajouter un commentaire" not in english
    assert ">by<" in english.replace("\n", "").replace(" ", "") or " by " in english
    assert f'action="/reponses/{answers[0].pk}/commenter/"' in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Utile (+1)" in _html(client, url)


def test_the_page_s_own_words_follow_the_language_back_and_forth(client, thread, member):
    """base.html's and the thread's constant words are translated once per process and
    language (website/templatetags/i18n_once.py): each switch shows the other language's."""
    question, *_ = thread
    client.force_login(member)
    url = question.get_absolute_url()
    french_words = ("Aller au contenu", "Se déconnecter", "Suivre ce fil", "Publier la réponse")
    english_words = ("Skip to content", "Log out", "Follow this thread", "Publish the answer")
    for language, shown, hidden in [
        ("fr", french_words, english_words),
        ("en", english_words, french_words),
        ("fr", french_words, english_words),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = _html(client, url)
        assert all(word in html for word in shown), language
        assert not any(word in html for word in hidden), language


def test_a_member_never_sees_another_members_vote_or_buttons(client, thread, make_user):
    question, answers, asker, answerer = thread
    first, second = make_user(), make_user()
    services.vote_cast(user=first, post=answers[0], value=1)
    services.vote_cast(user=first, post=question, value=-1)
    other = Client()
    other.force_login(answerer)  # the answers' author renders the page first
    author_html = _html(other, question.get_absolute_url())
    assert f'href="/reponses/{answers[0].pk}/modifier/"' in author_html
    client.force_login(second)
    html = _html(client, question.get_absolute_url())
    assert "qa-vote__button--on" not in html
    assert 'aria-pressed="true"' not in html
    assert f'href="/reponses/{answers[0].pk}/modifier/"' not in html
    assert f'href="/reponses/{answers[0].pk}/signaler/"' in html
    client.force_login(first)
    html = _html(client, question.get_absolute_url())
    assert "qa-vote__button--on" in _vote_widget(html, answers[0].anchor)
    assert "qa-vote__button--on" not in _vote_widget(html, answers[1].anchor)
    assert "qa-vote__button--on" in _vote_widget(html, "question")


def test_the_probe_reads_the_members_own_marks_only(client, thread, make_user):
    question, _answers, *_ = thread
    follower, reader = make_user(), make_user()
    services.same_problem_toggle(user=follower, question=question)
    services.question_follow(user=follower, question=question)
    client.force_login(reader)
    html = _html(client, question.get_absolute_url())
    assert "Suivre ce fil" in html and "Suivi ✓" not in html
    start = html.index('id="same-problem"')
    assert 'aria-pressed="false"' in html[start : start + 800]
    client.force_login(follower)
    html = _html(client, question.get_absolute_url())
    assert "Suivi ✓" in html
    start = html.index('id="same-problem"')
    assert 'aria-pressed="true"' in html[start : start + 800]


def test_new_posts_and_the_draft_come_from_the_probe(client, thread, member, make_user):
    question, answers, *_ = thread
    client.force_login(member)
    url = question.get_absolute_url()
    _html(client, url)  # the first visit marks nothing
    later = services.answer_create(question=question, author=make_user(), body="Une autre piste")
    html = _html(client, url)
    assert 'id="premier-non-lu"' in _article(html, later)
    services.draft_save(user=member, question=question, body="Mon brouillon de réponse")
    assert "Mon brouillon de réponse" in _html(client, url)
    assert Answer.objects.filter(question=question).count() == 3


@pytest.mark.parametrize("action", ["modifier", "versions", "signaler", "supprimer", "restaurer"])
def test_links_built_from_patterns_match_reverse(thread, action):
    question, answers, *_ = thread
    comment = question.comments.get()
    for post in (question, answers[0], comment):
        expected = reverse(
            f"qa:post_{action}", kwargs={"post_type": post.url_prefix, "pk": post.pk}
        )
        assert qa_tags.post_url(post, action) == expected
    person_pk = 4321
    assert qa_tags.person_url(type("P", (), {"pk": person_pk})()) == reverse(
        "directory:person_detail", kwargs={"pk": person_pk}
    )
    assert qa_tags.thread_url("qa:same_problem", question.pk) == reverse(
        "qa:same_problem", args=[question.pk]
    )
    assert qa_tags.thread_url("qa:question_list") == reverse("qa:question_list")
