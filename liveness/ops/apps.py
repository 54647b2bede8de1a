from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Starts error tracking (only when SENTRY_DSN is set) and carries the request id into tasks."""

    name = "liveness.ops"
    label = "ops"

    def ready(self) -> None:
        from . import celery_context, sentry

        celery_context.connect()
        sentry.sentry_start()
