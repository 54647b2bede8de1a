from django.urls import path

from .capture import views as capture

app_name = "liveness"
urlpatterns = [
    path("", capture.start, name="start"),
    path("c/<str:token>/", capture.capture, name="capture"),
    path("c/<str:token>/status/", capture.status, name="status"),
    path("robots.txt", capture.robots),
]
