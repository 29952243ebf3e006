from __future__ import annotations

import factory

from gansu_mall.accounts import services
from gansu_mall.accounts.models import User

PASSWORD = "correct-horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a known password (``PASSWORD``); ``roles=[...]``, ``scope=[codes]``, ``department="…"``."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or not (extracted or kwargs):
            return
        scope = kwargs.get("scope", [])
        department = kwargs.get("department", "")
        services.user_set_roles(
            user=obj,
            roles=extracted or [],
            scope_codes=scope,
            department=services.department_get_or_create(name=department) if department else None,
        )
