from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What the Modérateurs group may do in the Wagtail admin's "Annuaire" menu.
MODERATOR_PERMISSIONS = [
    ("structure", ["add", "change"]),
    ("competence", ["add", "change", "delete"]),
]
# What the Éditeurs group may do in the Wagtail admin's « Sujets » menu: the topics' guide and
# question template (taxonomy/wagtail_hooks.py).
EDITOR_TOPIC_PERMISSIONS = ["change_topic"]


def grant_moderator_permissions(sender, *, using="default", apps=None, **kwargs):
    """Give moderators the structure and competence permissions, and editors the change of
    topics, after every migrate.

    A post-migrate step rather than a data migration: permissions are created after the
    migrations, and creating them inside one would shift content-type ids that serialized
    test databases rely on. Idempotent.
    """
    from django.contrib.auth.management import create_permissions

    if apps is None:
        from django.apps import apps
    create_permissions(sender, verbosity=0, using=using, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}" for model, actions in MODERATOR_PERMISSIONS for action in actions
    ]
    # The group comes from migration 0002; after a test flush it is gone until restored.
    moderators = Group.objects.using(using).filter(name="Modérateurs").first()
    if moderators is None:
        return
    moderators.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="directory", codename__in=codenames
        )
    )
    editors = Group.objects.using(using).filter(name="Éditeurs").first()
    if editors is not None:
        from django.apps import apps as installed_apps

        create_permissions(
            installed_apps.get_app_config("taxonomy"), verbosity=0, using=using, apps=apps
        )
        editors.permissions.add(
            *Permission.objects.using(using).filter(
                content_type__app_label="taxonomy", codename__in=EDITOR_TOPIC_PERMISSIONS
            )
        )


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Annuaire et comptes")

    def ready(self):
        post_migrate.connect(
            grant_moderator_permissions, sender=self, dispatch_uid="directory_moderator_perms"
        )
        from allauth.account.signals import user_logged_in

        from directory.allauth import count_password_login_as_recent_authentication

        user_logged_in.connect(
            count_password_login_as_recent_authentication,
            dispatch_uid="directory_password_login_is_recent_authentication",
        )
