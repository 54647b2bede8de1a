from django.urls import include, path

from liveness.capture import views as capture

app_name = "liveness"
urlpatterns = [
    path("", capture.start, name="start"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("c/<str:token>/", capture.capture, name="capture"),
    path("c/<str:token>/challenge/", capture.challenge, name="capture-challenge"),
    path("c/<str:token>/upload/", capture.upload, name="capture-upload"),
    path("c/<str:token>/status/", capture.status, name="status"),
    path("c/<str:token>/status.json", capture.status_json, name="status-json"),
    path("robots.txt", capture.robots),
]
