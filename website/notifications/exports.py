"""The notifications' part of a member's data export (GDPR): their notifications and their
e-mail preferences.

Registered with `directory.extensions` by `NotificationsConfig.ready()`.
"""


def _when(value) -> str | None:
    return value.isoformat() if value else None


def account_export(user) -> dict:
    return {
        "notifications": [
            {
                "type": notification.kind,
                "titre": notification.shown_title,
                "extrait": notification.excerpt,
                "auteur": notification.actor_name,
                "lien": notification.url,
                "le": _when(notification.created_at),
                "lue_le": _when(notification.read_at),
            }
            for notification in user.notifications.order_by("created_at", "pk")
        ],
        "preferences_e_mail": dict(user.notification_preferences.values_list("kind", "frequency")),
    }
