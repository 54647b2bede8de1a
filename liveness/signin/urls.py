from django.urls import path

from liveness.signin import views

app_name = "signin"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("logout/", views.logout, name="logout"),
    path("two-factor/", views.two_factor_staff, name="two_factor"),
    path("two-factor/<int:user_id>/reset/", views.two_factor_reset, name="two_factor_reset"),
]
