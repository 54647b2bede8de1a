from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SigninConfig(AppConfig):
    name = "liveness.signin"
    label = "signin"
    verbose_name = "Staff sign-in"

    def ready(self):
        from liveness.signin import receivers  # noqa: F401  (lock-out audit events)


class StaffAdminConfig(AdminConfig):
    """``django.contrib.admin`` whose default site requires the staff second factor."""

    default_site = "liveness.signin.admin_site.StaffAdminSite"
