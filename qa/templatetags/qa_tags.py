"""Q&A template helpers: permission filters (`user|can_edit_post:post`), post URLs, bylines."""

import html
import uuid

from django import template
from django.conf import settings
from django.forms.utils import flatatt
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import LazyObject, empty
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory.fragments import read_ahead, shared_fragments
from qa import forms, permissions

register = template.Library()

for _name in (
    "can_answer",
    "can_comment",
    "can_vote",
    "can_same_problem",
    "can_accept",
    "can_validate",
    "can_edit_post",
    "can_view_revisions",
    "can_rollback",
    "can_flag",
    "can_close",
    "can_reopen",
    "can_lock",
    "can_unlock",
    "can_delete_post",
    "can_restore_post",
    "can_offer_own_delete",
    "can_merge",
    "can_promote_faq",
    "is_expert_for",
):
    register.filter(_name, getattr(permissions, _name))

for _name in ("can_ask", "can_follow", "can_moderate", "can_read_qa"):
    register.filter(_name, getattr(permissions, _name))


# Addresses by pattern: `reverse()` once per URL name, kind of post, URLconf, script prefix
# and language, then the primary key put in. A thread page has several links per answer and
# comment, and one `reverse()` cost as much as the rest of an answer's markup.
_ADDRESS_PATTERNS: dict[tuple, tuple[str, str]] = {}
_PK_PLACEHOLDER = 9_876_543_210


def _address(name: str, pk=None, **fixed) -> str:
    urlconf = get_urlconf() or settings.ROOT_URLCONF  # None outside a request: the setting's
    key = (urlconf, get_script_prefix(), get_language(), name, *fixed.values())
    parts = _ADDRESS_PATTERNS.get(key)
    if parts is None:
        if pk is None:
            parts = (reverse(name, kwargs=fixed or None), "")
        else:
            address = reverse(name, kwargs={**fixed, "pk": _PK_PLACEHOLDER})
            head, _sep, tail = address.partition(str(_PK_PLACEHOLDER))
            parts = (head, tail)
        _ADDRESS_PATTERNS[key] = parts
    return parts[0] if pk is None else f"{parts[0]}{pk}{parts[1]}"


@register.simple_tag
def post_url(post, action):
    """`{% post_url answer "modifier" %}` → /reponses/12/modifier/."""
    return _address(f"qa:post_{action}", post.pk, post_type=post.url_prefix)


@register.simple_tag
def thread_url(name, pk=None):
    """`{% url %}` for the thread page's links, which take a primary key or nothing:
    `{% thread_url "qa:same_problem" question.pk %}`."""
    return _address(name, pk)


@register.filter
def person_url(person):
    """A directory entry's address (`Person.get_absolute_url`), by pattern."""
    return _address("directory:person_detail", person.pk)


@register.filter
def author_name(user):
    """The name shown for a post's author; an erased account reads "Ancien membre"."""
    if user is None:
        return _("Ancien membre")
    return user.get_full_name() or _("Membre")


@register.filter
def main_position(user):
    """The first current position of the user's directory entry (prefetched by selectors)."""
    person = getattr(user, "person", None) if user else None
    positions = getattr(person, "current_positions", None) if person else None
    return positions[0] if positions else None


_VOTE_FORM = (
    '<div class="qa-vote" id="vote-{anchor}">\n'
    '  <form method="post" action="{url}" hx-post="{url}" hx-target="#vote-{anchor}"'
    ' hx-select="#vote-{anchor}" hx-swap="outerHTML">\n'
    '    <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n'
    '    <button type="submit" name="value" value="1" class="qa-vote__button{up_on}"'
    ' aria-pressed="{up_pressed}">\n'
    '      <span aria-hidden="true">▲</span><span class="visually-hidden">{up}</span>\n'
    "    </button>\n"
    '    <span class="qa-vote__score" aria-live="polite">'
    '<span class="visually-hidden">{score_label} </span>{score}</span>\n'
    '    <button type="submit" name="value" value="-1" class="qa-vote__button{down_on}"'
    ' aria-pressed="{down_pressed}">\n'
    '      <span aria-hidden="true">▼</span><span class="visually-hidden">{down}</span>\n'
    "    </button>\n"
    "  </form>\n"
    "</div>"
)
_VOTE_SCORE = (
    '<div class="qa-vote" id="vote-{anchor}">\n'
    '  <p class="qa-vote__score"><span class="visually-hidden">{score_label} </span>{score}</p>\n'
    "</div>"
)


@register.simple_tag(takes_context=True)
def vote_widget(context, post):
    """The vote widget of a question or answer: the score, and for a member who may vote the
    form with their own vote pressed (forms work without JS; htmx swaps `#vote-<anchor>`).
    Built by string formatting, once per post and request: an include per answer cost as much
    as the rest of the answer's per-viewer markup. Its words are translated and escaped once
    per request (`_words`); the anchor, the address and the score are ours (an anchor of
    letters, digits and dashes, a pattern from `reverse()` with an integer key, a number)."""
    words = _words(context)
    if not permissions.can_vote(_viewer(context), post):
        return mark_safe(  # noqa: S308 — escaped words, our anchor and an integer
            _VOTE_SCORE.format(anchor=post.anchor, score_label=words["score"], score=post.score)
        )
    mine = context["thread"].vote_of(post)
    return mark_safe(  # noqa: S308 — escaped words and token, our anchor, address and integer
        _VOTE_FORM.format(
            anchor=post.anchor,
            url=html.escape(post_url(post, "voter")),
            csrf=_csrf_token(context),
            up_on=" qa-vote__button--on" if mine == 1 else "",
            up_pressed="true" if mine == 1 else "false",
            up=words["vote_up"],
            score_label=words["score"],
            score=post.score,
            down_on=" qa-vote__button--on" if mine == -1 else "",
            down_pressed="true" if mine == -1 else "false",
            down=words["vote_down"],
        )
    )


@register.simple_tag(takes_context=True)
def answer_label(context, answer):
    """« Réponse de <name> », an answer's accessible name: the words translated once per
    request (a `blocktrans` per answer cost as much as its vote widget); escaped as any
    simple tag's text."""
    label = _once_per_request(context, "answer_label", lambda: _("Réponse de %(name)s"))
    return label % {"name": author_name(answer.author)}


def _words(context) -> dict[str, str]:
    """The words repeated under every post of a thread (the vote widgets, the buttons and
    links of `post_actions`), translated and escaped once per request and language: a
    `gettext` and a `format_html` per word and post were most of those parts' CPU."""

    def build():
        return {
            key: escape(word)
            for key, word in {
                "vote_up": _("Utile (+1)"),
                "vote_down": _("Pas utile (−1)"),
                "score": _("Score :"),
                "this_answer": _("cette réponse"),
                "this_comment": _("ce commentaire"),
                "unaccept": _("Retirer l'acceptation"),
                "accept": _("Accepter cette réponse"),
                "unvalidate": _("Retirer la validation d'expert"),
                "validate": _("Valider en tant qu'expert"),
                "edit": _("Modifier"),
                "history": _("Historique"),
                "of_this_answer": _("de cette réponse"),
                "flag": _("Signaler"),
                "delete": _("Supprimer"),
                "restore": _("Restaurer"),
            }.items()
        }

    return _once_per_request(context, "words", build)


def _csrf_token(context) -> str:
    """The member's CSRF token, escaped, once per request. Read only for a form: reading it
    makes the response private (a visitor's page with public reading must stay shareable)."""
    return _once_per_request(context, "csrf_token", lambda: escape(context.get("csrf_token")))


def _viewer(context):
    """The viewer's user object itself. `request.user` (the template's `user`) is a lazy
    object: each attribute the permission rules read through it costs a method call, which
    made the rules a fifth of a 50-answer thread's CPU."""
    user = context["user"]
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


# An answer's and a comment's buttons and links (`post_actions`): the forms post to
# themselves without JS; the acceptance and validation forms swap `#answers` with htmx.
_SWAP_ANSWERS_FORM = (
    '<form method="post" action="{url}" class="inline-form" hx-post="{url}" hx-target="#answers"'
    ' hx-select="#answers" hx-swap="outerHTML">{csrf}{undo}'
    '<button type="submit" class="button--secondary">{label}</button></form>'
)
_UNDO = '<input type="hidden" name="action" value="{}">'
_LINK = '<a href="{}">{}<span class="visually-hidden"> {}</span></a>'
_POST_FORM = (
    '<form method="post" action="{}" class="inline-form">{}<button type="submit"'
    ' class="link-button">{}<span class="visually-hidden"> {}</span></button></form>'
)


@register.simple_tag(takes_context=True)
def post_actions(context, post):
    """What this viewer may do on an answer or a comment: accept and validate (an answer),
    edit, see the history (an answer), flag, delete or restore. Built by string formatting,
    like `vote_widget`: as template conditions and includes they cost more than the rest of
    the answer's per-viewer markup. The rules are `qa.permissions`'; the words are translated
    and escaped once per request (`_words`), the addresses escaped here."""
    user, is_answer, words = _viewer(context), post.url_prefix == "reponses", _words(context)
    this = words["this_answer"] if is_answer else words["this_comment"]
    parts = []

    def swap_form(name, label, undo=""):
        url = html.escape(_address(name, post.pk))
        parts.append(
            _SWAP_ANSWERS_FORM.format(
                url=url,
                csrf=_csrf_field(context),
                undo=_UNDO.format(undo) if undo else "",
                label=words[label],
            )
        )

    if is_answer and permissions.can_accept(user, post):
        if post.pk == post.question.accepted_answer_id:
            swap_form("qa:answer_accept", "unaccept", "unaccept")
        else:
            swap_form("qa:answer_accept", "accept")
    if is_answer and permissions.can_validate(user, post):
        if post.validated_at:
            swap_form("qa:answer_validate", "unvalidate", "unvalidate")
        else:
            swap_form("qa:answer_validate", "validate")
    if permissions.can_edit_post(user, post):
        parts.append(_LINK.format(html.escape(post_url(post, "modifier")), words["edit"], this))
    if is_answer and (post.updated_at > post.created_at or permissions.can_rollback(user, post)):
        url = html.escape(post_url(post, "versions"))
        parts.append(_LINK.format(url, words["history"], words["of_this_answer"]))
    if permissions.can_flag(user, post):
        parts.append(_LINK.format(html.escape(post_url(post, "signaler")), words["flag"], this))
    if permissions.can_delete_post(user, post):
        url = html.escape(post_url(post, "supprimer"))
        parts.append(_POST_FORM.format(url, _csrf_field(context), words["delete"], this))
    elif permissions.can_offer_own_delete(user, post):
        parts.append(_LINK.format(html.escape(post_url(post, "supprimer")), words["delete"], this))
    if permissions.can_restore_post(user, post):
        url = html.escape(post_url(post, "restaurer"))
        parts.append(_POST_FORM.format(url, _csrf_field(context), words["restore"], this))
    markup = "\n".join(parts)
    if is_answer:
        markup = f'<div class="qa-actions">{markup}</div>'
    else:
        markup = f'<span class="qa-actions qa-actions--small">{markup}</span>'
    return mark_safe(markup)  # noqa: S308 — escaped words, token and addresses in our markup


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (empty value removes it)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("page", None) if "page" not in changes else None
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


class _StampPost:
    """A stand-in post: the empty comment form is rendered with these placeholders, then
    stamped with each post's anchor and address."""

    anchor = "qa-stamp-anchor"
    pk = "qa-stamp-pk"

    def __init__(self, url_prefix):
        self.url_prefix = url_prefix


_STAMP_SUBMISSION = "qa-stamp-submission"
# Where the stamped forms' CSRF field goes: a shared fragment may not hold one.
_STAMP_CSRF = "<!--qa-csrf-->"
# The thread's empty forms, the same for every member: the answer form's fields and the
# comment form of each kind of post.
_EMPTY_FORMS = ("answer", "questions", "reponses")


def _empty_forms(context) -> dict:
    """The thread's empty forms with placeholders for what each one's copy gets (its post,
    its one-time token, the member's CSRF token): one shared fragment per language, read once
    per request (directory/fragments.py; they cost a third of a thread page's CPU when
    rendered for each request)."""
    request = context.get("request")
    memo = request.__dict__ if request is not None else {}
    if "qa_empty_forms" not in memo:
        engine = context.template.engine

        def render(name):
            if name == "answer":
                form = forms.AnswerForm(initial={"submission_token": _STAMP_SUBMISSION})
                with context.push(form=form):
                    return str(engine.get_template("qa/_form_fields.html").render(context))
            stamp = _StampPost(name)
            with context.push(
                post=stamp, form=None, open=False, submission_token=_STAMP_SUBMISSION, stamp=True
            ):
                return str(engine.get_template("qa/_comment_form.html").render(context))

        memo["qa_empty_forms"] = shared_fragments(request, "qa-empty-forms", _EMPTY_FORMS, render)
    return memo["qa_empty_forms"]


def read_ahead_empty_forms(request) -> None:
    """The thread's view asks for the empty forms' fragment with its own (one cache read)."""
    read_ahead(request, "qa-empty-forms", _EMPTY_FORMS)


def _csrf_field(context) -> str:
    """The member's CSRF field, escaped (`_csrf_token`)."""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_csrf_token(context)}">'


@register.simple_tag(takes_context=True)
def answer_form_fields(context, form):
    """The answer form's fields: the shared empty form stamped with this form's one-time
    token, or, for a form with what the member typed (after an error) or their draft, that
    form rendered."""
    if form.is_bound or form.initial.get("body"):
        template = context.template.engine.get_template("qa/_form_fields.html")
        with context.push(form=form):
            return template.render(context)
    html = _empty_forms(context)["answer"]
    return mark_safe(html.replace(_STAMP_SUBMISSION, form.initial["submission_token"]))  # noqa: S308 — our own template's output; the token is ours


@register.simple_tag(takes_context=True)
def comment_form(context, post):
    """The form to comment on `post`, for a viewer who may (else nothing). After a validation
    error, its bound form (open); otherwise the shared empty form of its kind of post, stamped
    with the post's anchor, address, a fresh one-time submission token and the member's CSRF
    field. The rule reads the user object itself (`_viewer`), not the template's lazy `user`."""
    if not permissions.can_comment(_viewer(context), post):
        return ""
    bound = (context.get("comment_forms") or {}).get(post.anchor)
    if bound is not None:
        template = context.template.engine.get_template("qa/_comment_form.html")
        with context.push(post=post, form=bound, open=True, submission_token=""):
            return template.render(context)
    html = _empty_forms(context)[post.url_prefix]
    return mark_safe(  # noqa: S308 — our own template's output; the values put in are ours
        html.replace(_StampPost.anchor, post.anchor)
        .replace(_StampPost.pk, str(post.pk))
        .replace(_STAMP_SUBMISSION, uuid.uuid4().hex)
        .replace(_STAMP_CSRF, _csrf_field(context))
    )


def _once_per_request(context, name, build):
    """`build()` once per request: the comment form repeats under every post of a thread with
    the same translated attributes (a score of `gettext` calls and their escaping each)."""
    request = context.get("request")
    if request is None:
        return build()
    memo = request.__dict__.setdefault("qa_form_parts", {})
    key = (name, get_language())
    if key not in memo:
        memo[key] = build()
    return memo[key]


@register.simple_tag(takes_context=True)
def comment_attachments_help(context):
    """The file input's help of comment forms written by hand."""
    return _once_per_request(
        context,
        "attachments_help",
        lambda: forms.attachments_help(settings.QA_ATTACHMENTS_PER_COMMENT),
    )


@register.simple_tag(takes_context=True)
def comment_upload_attrs(context):
    """The drag-and-drop attributes of a comment's file input (written by hand)."""
    return _once_per_request(
        context,
        "upload_attrs",
        lambda: flatatt(forms.upload_attrs(settings.QA_ATTACHMENTS_PER_COMMENT)),
    )


@register.simple_tag(takes_context=True)
def mention_attrs(context):
    """The @mention autocomplete's attributes, for textareas written by hand (comments)."""
    return _once_per_request(context, "mention_attrs", lambda: flatatt(forms.mention_attrs()))
