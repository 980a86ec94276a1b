from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions et discussions")

    def ready(self):
        from django.urls import reverse

        from directory import extensions
        from directory.signals import account_erasing
        from qa import exports, signals
        from qa.services import author_context_erase
        from qa.views import attachments

        extensions.use_ask_person_url(
            lambda person: f"{reverse('qa:question_ask')}?destinataire={person.pk}"
        )
        extensions.use_ask_structure_url(
            lambda structure: f"{reverse('qa:question_ask')}?structure={structure.pk}"
        )
        extensions.register_account_export("qa", exports.account_export)
        extensions.register_person_export("qa", exports.person_export)
        extensions.register_account_section("qa", attachments.storage_section)

        signals.attachments_stored.connect(
            _extract_text_later, weak=False, dispatch_uid="qa.extract_attachment_text"
        )
        account_erasing.connect(
            lambda sender, user, **kwargs: author_context_erase(user=user),
            weak=False,
            dispatch_uid="qa.author_context_erase",
        )


def _extract_text_later(sender, attachment_ids, **kwargs):
    """One extraction task per stored file (`qa.tasks`, queue "default")."""
    from qa.tasks import extract_attachment_text

    for attachment_id in attachment_ids:
        extract_attachment_text.enqueue(attachment_id)
