"""Wagtail admin integration: the question chooser and menu links to the site's own tools.

Moderators reach the Wagtail admin (to see the documents and reports) but hold no page
permission: they cannot publish. The menu links below send each role to the moderation pages
that live on the site itself (they are not Wagtail views).
"""

from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from directory.roles import is_member, is_moderator
from website.pages.panels import question_chooser_viewset


def _is_background_post(request):
    """Wagtail 8's autosave posts the editor's whole form as JSON; the browser's own
    submission asks for HTML."""
    return request.method == "POST" and not request.accepts("text/html")


def _refused_in_background():
    return JsonResponse(
        {
            "success": False,
            "error_code": "blocked_by_hook",
            "error_message": _(
                "L'enregistrement automatique n'effectue aucune action et ne modifie pas "
                "une page en relecture."
            ),
        },
        status=400,
    )


@hooks.register("before_edit_page")
def refuse_background_changes(request, page):
    """Wagtail 8's autosave posts the editor's whole form as JSON whenever the form looks
    changed. Two of those background requests broke the second-editor workflow at random:

    - clicking « Approuver » adds the workflow action's hidden inputs to the form, so autosave
      sent a second approval alongside the browser's own submission; when the two overlapped,
      the slower one wrote its stale copy of the page back (unpublished) or restarted the
      workflow;
    - a tab left open on a page under review autosaved a new revision, so the reviewer's
      approval covered an older one and the workflow restarted instead of publishing.

    So a background request never performs an action, and never changes a page under review:
    the browser's own submission does, once, and a draft saved on purpose still can."""
    if not _is_background_post(request):
        return None
    carries_action = any(key.startswith("action-") for key in request.POST)
    if not carries_action and not page.workflow_in_progress:
        return None
    return _refused_in_background()


@hooks.register("before_create_page")
def refuse_background_creation(request, parent_page, page_class):
    """On the add form, autosave's first success creates the page. When it overlapped the
    editor's click on « Soumettre » or « Enregistrer le brouillon », both requests created the
    page: one of them died on the duplicate slug, and when it was the browser's, the editor
    was left on an error page. A page is created by the editor's own submission only; from
    then on, the edit form autosaves as usual."""
    if _is_background_post(request):
        return _refused_in_background()
    return None


@hooks.register("register_admin_viewset")
def register_question_chooser():
    return question_chooser_viewset


class RoleMenuItem(MenuItem):
    """A menu item shown only to the users the predicate accepts."""

    def __init__(self, label, url, predicate, **kwargs):
        self.predicate = predicate
        super().__init__(label, url, **kwargs)

    def is_shown(self, request):
        return self.predicate(request.user)


@hooks.register("register_admin_menu_item")
def moderation_queue_menu_item():
    return RoleMenuItem(
        _("File de modération (Q&R)"),
        reverse_lazy("qa:flag_queue"),
        is_moderator,
        name="qa-moderation",
        icon_name="warning",
        order=900,
    )


@hooks.register("register_admin_menu_item")
def faq_review_queue_menu_item():
    return RoleMenuItem(
        _("FAQ à revalider"),
        reverse_lazy("qa:faq_review_queue"),
        is_moderator,
        name="faq-review",
        icon_name="help",
        order=905,
    )


@hooks.register("register_admin_menu_item")
def recheck_menu_item():
    return RoleMenuItem(
        _("Questions à revérifier"),
        reverse_lazy("pages:recheck_list"),
        is_moderator,
        name="rechecks",
        icon_name="history",
        order=910,
    )


@hooks.register("register_admin_menu_item")
def pending_accounts_menu_item():
    return RoleMenuItem(
        _("Comptes en attente"),
        reverse_lazy("directory:pending_accounts"),
        is_moderator,
        name="pending-accounts",
        icon_name="user",
        order=920,
    )


@hooks.register("register_admin_menu_item")
def directory_menu_item():
    return RoleMenuItem(
        _("Annuaire"),
        "/annuaire/",
        is_member,
        name="directory",
        icon_name="group",
        order=930,
    )
