"""Swagger UI at /api/docs/, served from our own static files (drf-spectacular-sidecar).

The split view loads its setup script from a URL instead of inline, so the page keeps the site's
Content-Security-Policy; only the few inline style rules of its template need 'unsafe-inline' styles.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"style-src": [SELF, UNSAFE_INLINE]}), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    pass
