"""Health endpoints (``liveness.web.health`` says which is for whom)."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report, liveness_report, readiness_report


def _answer(healthy: bool, report: dict) -> JsonResponse:
    return JsonResponse({"status": "ok" if healthy else "unavailable", **report}, status=200 if healthy else 503)


@never_cache
@require_GET
def livez(request):
    return _answer(*liveness_report())


@never_cache
@require_GET
def readyz(request):
    return _answer(*readiness_report())


@never_cache
@require_GET
def healthz(request):
    return _answer(*health_report())
