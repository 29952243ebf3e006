from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from orders.carts import merge_on_login

        user_logged_in.connect(merge_on_login, dispatch_uid="orders.merge_cart_on_login")
