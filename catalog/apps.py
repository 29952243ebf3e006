from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from catalog.models import Category, Synonym
        from catalog.reference import reference_changed
        from gansu_mall.regions.models import Region

        # Cache invalidation only (no domain logic): the cached reference data follows every change,
        # the Django admin's included.
        for model in (Category, Synonym, Region):
            post_save.connect(
                reference_changed, sender=model, dispatch_uid=f"catalog-reference-{model.__name__}"
            )
            post_delete.connect(
                reference_changed, sender=model, dispatch_uid=f"catalog-reference-del-{model.__name__}"
            )
