from django.http import HttpRequest

from gansu_mall.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The unread count in the header (one query for a signed-in user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user=user)}
