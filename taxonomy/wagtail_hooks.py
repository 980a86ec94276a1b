"""Topics in the Wagtail admin (« Sujets »), for editors: each topic's description, and the
guide and body template the ask form offers when the topic is chosen (docs/qa.md).

Editors hold only the *change* permission (given after every `migrate`,
`directory/apps.py`), and the form has no name, slug nor active flag: topics themselves, and
their addresses (`/sujets/<slug>/`), stay with the superusers (Django admin).
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from taxonomy.models import Topic


class TopicViewSet(ModelViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Sujets")
    menu_order = 810
    add_to_admin_menu = True
    form_fields = ["description", "ask_guide", "ask_template"]
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_enabled = False


@hooks.register("register_admin_viewset")
def register_topic_viewset():
    return TopicViewSet("sujets")
