"""Reading a thread: the thread page (question, answers, comments, « Questions liées ») and
the permalinks of answers and comments."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from directory.access import gate
from directory.fragments import shared_fragment
from directory.roles import is_member, is_moderator
from qa import extensions, forms, permissions, selectors, services
from qa.templatetags.qa_tags import read_ahead_empty_forms
from qa.views.access import _get_post, _load_question


@gate()
def question_detail(request, pk, slug=None):
    """The thread: question, answers (accepted, validated, then by score), comments, log."""
    question = _load_question(request, pk)
    if slug != question.slug:
        return redirect(question, permanent=True)
    if request.method != "GET" or not is_member(request.user) or question.deleted_at:
        return _render_thread(request, question)
    # The member's previous visit marks what is new; this visit becomes the next one's mark.
    now = timezone.now()
    context = _thread_context(request, question, mark_new=True)
    response = render(request, "qa/question_detail.html", context)
    thread = context["thread"]
    services.thread_visit_record(
        user=request.user,
        question=question,
        when=now,
        previous=thread.last_seen,
        unseen=thread.new_count,
    )
    return response


ANSWER_SORT_KEY = "qa_answer_sort"


def _answer_sort(request) -> str:
    """The thread's answer order: `?tri=votes|date` when given (and, for a logged-in member,
    remembered in the session: no query to read it back, a write only when it changes), else
    the remembered one. A visitor's choice is not remembered: with public reading on, every
    crawler following the sort links would otherwise create a session row."""
    chosen = request.GET.get("tri")
    if chosen in selectors.ANSWER_SORTS:
        remember = request.user.is_authenticated
        if remember and request.session.get(ANSWER_SORT_KEY, "votes") != chosen:
            request.session[ANSWER_SORT_KEY] = chosen
        return chosen
    remembered = request.session.get(ANSWER_SORT_KEY)
    return remembered if remembered in selectors.ANSWER_SORTS else "votes"


def _render_thread(
    request,
    question,
    *,
    answer_form=None,
    comment_forms=None,
    draft_error="",
    status=200,
):
    """The thread page, as a view or again after a form's error (the form keeps its input)."""
    return render(
        request,
        "qa/question_detail.html",
        _thread_context(
            request,
            question,
            answer_form=answer_form,
            comment_forms=comment_forms,
            draft_error=draft_error,
        ),
        status=status,
    )


def _thread_context(
    request, question, *, answer_form=None, comment_forms=None, draft_error="", mark_new=False
) -> dict:
    """`mark_new`: mark the posts published since the member's previous visit."""
    answer_sort = _answer_sort(request)
    thread = selectors.thread_for(question, request.user, answer_sort=answer_sort, details=False)
    if mark_new:
        selectors.mark_new_posts(thread, since=thread.last_seen, user=request.user)
    draft = None
    if answer_form is None:
        # The member's draft of an answer here (saved on this device or another one).
        draft = selectors.answer_draft(request.user, question) if thread.has_draft else None
        answer_form = forms.AnswerForm(initial={"body": draft.body} if draft else None)
    return {
        "question": question,
        "thread": thread,
        "answer_sort": answer_sort,
        "feed": extensions.feed_link(request, question=question),
        "answer_sorts": [("votes", _("Par votes")), ("date", _("Par date"))],
        "answer_form": answer_form,
        "answer_draft": draft,
        "draft_error": draft_error,
        "comment_forms": comment_forms or {},
        **_shared_parts(request, thread),
        "is_moderator": is_moderator(request.user),
        "is_member": is_member(request.user),
        # `{% if question.faq_promotion %}` on a thread not in the FAQ (the usual case) ends
        # in `dir(question)` (the template's way of reporting a missing attribute).
        "in_faq": hasattr(question, "faq_promotion"),
    }


def _shared_parts(request, thread) -> dict:
    """The thread's shared HTML (docs/architecture.md « Thread fragments »), from one cache
    read: `post_fragments`, each post's shared part (body, attachments, marks, byline) by
    anchor, and `related_html`, the « Questions liées » block.

    One fragment per thread, role and audience. The posts are kept together: every write
    replaces the version all of a thread's posts are stored under, so storing them apart
    would only cost more cache reads, and a miss one write per post. The people's positions
    and the attachments are read only when the posts have to be rendered. The related
    threads' ranking (its own cache, per audience) and their live rows (titles, answers,
    resolved) are read only when the block has to be rendered: any write replaces it."""
    question = thread.question
    posts = {question.anchor: ("q", question)}
    posts.update((comment.anchor, ("c", comment)) for comment in thread.question_comments)
    for answer in thread.answers:
        posts[answer.anchor] = ("a", answer)
        posts.update((comment.anchor, ("c", comment)) for comment in answer.thread_comments)
    moderator = permissions.can_moderate(request.user)
    template = get_template("qa/_post_shared.html")

    def render_posts(anchors):
        selectors.thread_details(thread)
        return {
            anchor: template.render(
                {
                    "kind": posts[anchor][0],
                    "post": posts[anchor][1],
                    "question": question,
                    "user": request.user,
                }
            )
            for anchor in anchors
        }

    def render():
        related = [] if question.deleted_at else selectors.related_threads(question, request.user)
        block = render_to_string("qa/_related_threads.html", {"related": related})
        return json.dumps({"posts": render_posts(posts), "related": block})

    # A moderator's posts differ (« Retirer » on attachments, the deleted posts); the related
    # threads' ranking is per audience (members, or visitors when reading is public). One
    # cache entry for both (the database cache writes each entry in a transaction of its
    # own), read with the empty forms' fragment (qa_tags).
    if is_member(request.user):
        read_ahead_empty_forms(request)
    stored = json.loads(
        shared_fragment(
            request,
            "qa-thread",
            render,
            vary=(question.pk, moderator, is_member(request.user)),
        )
    )
    fragments = stored["posts"]
    missing = [anchor for anchor in posts if anchor not in fragments]
    if missing:
        fragments.update(render_posts(missing))
    # Our template's output, stored by `shared_fragment` (checked there) as JSON.
    related = mark_safe(stored["related"])  # noqa: S308 — the fragment's own render
    return {"post_fragments": fragments, "related_html": related}


def _permalink_redirect(request, post_type, pk):
    """Send to the post's place in its thread, only to someone who may see it.

    The thread's URL carries its title: checking (`gate`) before the look-up keeps visitors from
    listing titles by counting ids (they get the login page for the permalink itself), and a
    member gets the same 404 for a post they may not see as for an unknown id.
    """
    post = _get_post(post_type, pk)
    if not permissions.can_view_post(request.user, post):
        raise Http404
    return redirect(post.get_absolute_url())


@gate(permissions.check_read_qa)
def answer_redirect(request, pk):
    return _permalink_redirect(request, "reponses", pk)


@gate(permissions.check_read_qa)
def comment_redirect(request, pk):
    return _permalink_redirect(request, "commentaires", pk)
