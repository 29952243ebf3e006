from django.http import HttpRequest

from gansu_mall.accounts.models import Role


def roles(request: HttpRequest) -> dict[str, object]:
    """Which role-specific links the header shows (one query for a signed-in user, none otherwise)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "perms_bureau": False}
    names = user.role_names
    return {"user_roles": names, "perms_bureau": Role.BUREAU in names or Role.ADMIN in names}
