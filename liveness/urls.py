from django.urls import path

app_name = "liveness"
urlpatterns: list = []
