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
