from django.contrib import admin
from django.urls import include, path

from liveness.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("staff/", include("liveness.signin.urls")),
    path("api/", include("liveness.api.urls")),
    path("dashboard/", include("liveness.dashboard.urls")),
    path("", include("liveness.urls")),
]

# The capture JSON endpoints answer Django's own 400 (too many fields, ...) in JSON; other pages as before.
handler400 = "liveness.capture.views.bad_request"
