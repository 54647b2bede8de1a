from django.urls import path

from liveness.ops.analytics_views import analytics
from liveness.review import views

app_name = "dashboard"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case"),
    path("cases/<uuid:public_id>/decide/", views.case_decide, name="decide"),
    path("cases/<uuid:public_id>/assign/", views.case_assign, name="assign"),
    path("cases/<uuid:public_id>/notes/", views.case_note, name="note"),
    path("cases/<uuid:public_id>/media/<uuid:blob_id>/", views.case_media, name="media"),
    path("invite/", views.invite, name="invite"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("thresholds/<str:provider>/<str:metric>/", views.threshold_edit, name="threshold_edit"),
    path("audit/", views.audit, name="audit"),
    path("analytics/", analytics, name="analytics"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
]
