"""``/api/``: the partner API (v1), its OpenAPI schema and a docs page served with local assets."""
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from liveness.partners.api import consent_views, views, webhook_views

app_name = "api"
urlpatterns = [
    path("v1/cases", views.CasesView.as_view(), name="cases"),
    path("v1/cases/<str:public_id>", views.CaseDetailView.as_view(), name="case"),
    path("v1/cases/<str:public_id>/challenge", views.ChallengeView.as_view(), name="case-challenge"),
    path("v1/cases/<str:public_id>/selfie", views.SelfieView.as_view(), name="case-selfie"),
    path("v1/cases/<str:public_id>/video", views.VideoView.as_view(), name="case-video"),
    path("v1/cases/<str:public_id>/consent", consent_views.ConsentView.as_view(), name="case-consent"),
    path("v1/cases/<str:public_id>/capture-link", views.CaptureLinkView.as_view(), name="case-capture-link"),
    path("v1/webhooks/deliveries", webhook_views.DeliveriesView.as_view(), name="webhook-deliveries"),
    path("v1/webhooks/deliveries/<str:delivery_id>/redeliver", webhook_views.RedeliverView.as_view(),
         name="webhook-redeliver"),
    path("v1/webhooks/endpoints", webhook_views.WebhookEndpointsView.as_view(), name="webhook-endpoints"),
    path("v1/webhooks/endpoints/<str:endpoint_id>", webhook_views.WebhookEndpointDetailView.as_view(),
         name="webhook-endpoint"),
    path("v1/webhooks/endpoints/<str:endpoint_id>/rotate-secret", webhook_views.WebhookEndpointSecretRotateView.as_view(),
         name="webhook-endpoint-rotate-secret"),
    # Anything else under v1/ is a JSON 404 in the API's error envelope (keep this after the v1 routes).
    re_path(r"^v1/(?P<rest>.*)$", views.unknown_endpoint, name="unknown-endpoint"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
