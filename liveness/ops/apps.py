from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Starts error tracking (only when SENTRY_DSN is set), carries the request id into tasks and
    registers the analytics refresh task (a beat task: every process that may send it knows it)."""

    name = "liveness.ops"
    label = "ops"

    def ready(self) -> None:
        from . import celery_context, sentry, tasks  # noqa: F401  (tasks: registered with Celery)

        celery_context.connect()
        sentry.sentry_start()
