"""``/metrics``: the Prometheus exposition, for operators only.

Answers 404 unless ``KYC_METRICS_TOKEN`` is set, and then only to ``Authorization: Bearer
<token>`` (compared in constant time): the page names providers, queues and volumes, and the
portal's public address must not show them. Alternatively leave the token unset and run
``prometheus_client``'s own listener on a private port (docs/deploy.md).
"""
from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from .collectors import ProductCollector
from .metrics import counted_registry


def exposition() -> bytes:
    """Every process's values (multi-process mode: summed from PROMETHEUS_MULTIPROC_DIR; else this
    process's own registry) followed by the scrape-time gauges."""
    counted = counted_registry()
    scraped = CollectorRegistry()
    scraped.register(ProductCollector())
    return generate_latest(counted) + generate_latest(scraped)


def _authorised(request: HttpRequest) -> bool:
    token = settings.KYC_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        raise Http404  # neither "forbidden" nor a login page: nothing here for the public
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
