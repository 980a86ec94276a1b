from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions et discussions")

    def ready(self):
        from directory.signals import account_erasing
        from qa.services import author_context_erase

        account_erasing.connect(
            lambda sender, user, **kwargs: author_context_erase(user=user),
            weak=False,
            dispatch_uid="qa.author_context_erase",
        )
