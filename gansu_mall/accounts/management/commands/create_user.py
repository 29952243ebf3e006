"""``manage.py create_user USERNAME --password P [--role ROLE] [--county CODE ...] [--department NAME]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from gansu_mall.accounts import services
from gansu_mall.accounts.models import STORED_ROLES, Role
from gansu_mall.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a user with roles (used by deployments, the demo and the tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            choices=[Role.CONSUMER.value] + [r.value for r in STORED_ROLES],
            help="May be given more than once.",
        )
        parser.add_argument(
            "--county",
            nargs="+",
            action="extend",
            default=[],
            metavar="CODE",
            help="Prefecture or county codes of Gansu that an info officer or bureau user serves.",
        )
        parser.add_argument("--department", default="", help="The department of a department account.")
        parser.add_argument("--email", default="")
        parser.add_argument("--phone", default="")

    @no_translations  # messages in English, whatever LANGUAGE_CODE says
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = services.user_create(
                username=options["username"],
                password=options["password"],
                email=options["email"],
                phone=options["phone"],
                roles=options["role"],
                scope_codes=options["county"],
                department_name=options["department"],
            )
        except ApplicationError as exc:
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in (exc.fields or {}).items())
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created user {user.username} (id {user.pk}) with roles {', '.join(user.role_names)}"
            )
        )
