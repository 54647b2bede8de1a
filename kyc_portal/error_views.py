"""``handler400`` and ``handler500``: the partner API (``/api/``) answers in its JSON envelope,
the capture JSON endpoints in theirs, every other page as Django does."""
from __future__ import annotations

from django.views.defaults import server_error as django_server_error

from liveness.capture import views as capture_views
from liveness.partners.api import errors as api_errors


def bad_request(request, exception=None):
    """Django refused the request as malformed (a SuspiciousOperation), often before any view."""
    if api_errors.is_api_request(request):
        return api_errors.bad_request_envelope(exception)
    return capture_views.bad_request(request, exception)


def server_error(request):
    """An uncaught exception (Django has logged it): JSON under ``/api/``, Django's 500 page elsewhere."""
    if api_errors.is_api_request(request):
        return api_errors.server_error_envelope()
    return django_server_error(request)
