"""The unread count in the header: at most one cheap query per page, none for visitors."""

from directory.roles import is_member
from website.notifications.selectors import unread_count


class LazyUnreadCount:
    """Counted on first use by the template (base.html asks only for members), then kept."""

    def __init__(self, user):
        self.user = user
        self.value = None

    def __call__(self) -> int:
        if self.value is None:
            self.value = unread_count(self.user) if is_member(self.user) else 0
        return self.value


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": LazyUnreadCount(user)}
