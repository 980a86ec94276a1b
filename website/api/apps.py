from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What the Modérateurs group may do in the Wagtail admin's « Webhooks » menu, and with the
# structures' service tokens (create, list, rename or revoke; never delete).
MODERATOR_PERMISSIONS = [
    "add_servicetoken",
    "change_servicetoken",
    "view_servicetoken",
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookdelivery",
]


def grant_moderator_permissions(sender, *, using="default", apps=None, **kwargs):
    """Give moderators the webhook permissions after every migrate (a post-migrate step, as
    in `directory/apps.py`: permissions exist only once the migrations ran). Idempotent."""
    from django.contrib.auth.management import create_permissions

    if apps is None:
        from django.apps import apps
    create_permissions(sender, verbosity=0, using=using, apps=apps)
    moderators = apps.get_model("auth", "Group").objects.using(using)
    moderators = moderators.filter(name="Modérateurs").first()
    if moderators is None:
        return
    permissions = apps.get_model("auth", "Permission").objects.using(using)
    moderators.permissions.add(
        *permissions.filter(content_type__app_label="api", codename__in=MODERATOR_PERMISSIONS)
    )


class ApiConfig(AppConfig):
    name = "website.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from allauth.account.signals import password_changed, password_reset

        from website.api.services import revoke_tokens_on_password_change
        from website.api.webhooks import outbox

        for signal, name in ((password_changed, "changed"), (password_reset, "reset")):
            signal.connect(
                revoke_tokens_on_password_change,
                dispatch_uid=f"api_revoke_tokens_on_password_{name}",
            )
        outbox.connect()
        post_migrate.connect(
            grant_moderator_permissions, sender=self, dispatch_uid="api_moderator_perms"
        )
