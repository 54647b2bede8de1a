from django.apps import AppConfig


class LivenessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "liveness"
    verbose_name = "KYC liveness"
