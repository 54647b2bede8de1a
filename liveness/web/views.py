from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liveness.web.health import health_report


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "unavailable", **report}, status=200 if healthy else 503)
