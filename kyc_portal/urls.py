from django.contrib import admin
from django.urls import include, path

from liveness.ops.views import metrics
from liveness.web.views import healthz, livez, readyz

urlpatterns = [
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),  # operators only: KYC_METRICS_TOKEN (liveness/ops/views.py)
    path("admin/", admin.site.urls),
    path("staff/", include("liveness.signin.urls")),
    path("api/", include("liveness.partners.api.urls")),
    path("dashboard/", include("liveness.review.urls")),
    path("", include("liveness.web.urls")),
]

# The partner API and the capture JSON endpoints answer Django's own 400 (too many fields, ...) in
# JSON; the API answers its 500 in its JSON envelope too; other pages as before.
handler400 = "kyc_portal.error_views.bad_request"
handler500 = "kyc_portal.error_views.server_error"
