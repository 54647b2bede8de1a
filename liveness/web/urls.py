from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from liveness.capture import consent_views
from liveness.capture import views as capture



class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever the page links; the pages link the SVG and the ICO."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.ico")


app_name = "liveness"
urlpatterns = [
    path("", capture.start, name="start"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("c/<str:token>/", capture.capture, name="capture"),
    path("c/<str:token>/consent/", consent_views.consent, name="consent"),
    path("c/<str:token>/consent/withdraw/", consent_views.withdraw, name="consent-withdraw"),
    path("c/<str:token>/challenge/", capture.challenge, name="capture-challenge"),
    path("c/<str:token>/upload/", capture.upload, name="capture-upload"),
    path("c/<str:token>/status/", capture.status, name="status"),
    path("c/<str:token>/status.json", capture.status_json, name="status-json"),
    # Any other path under c/ is the capture pages' own 404, DEBUG or not (keep after the c/ routes).
    re_path(r"^c/(?P<rest>.*)$", consent_views.unknown_path, name="capture-unknown"),
    path("robots.txt", capture.robots),
    path("favicon.ico", FaviconRedirect.as_view()),
]
