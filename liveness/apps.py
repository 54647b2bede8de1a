from django.apps import AppConfig


class LivenessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "liveness"
    verbose_name = "KYC liveness"

    def ready(self):
        # The partner API's webhook receiver and tasks must be connected in web AND worker processes.
        from .api import receivers, tasks  # noqa: F401
