"""The analytics page for supervisors and compliance leads (``review.audit_view``)."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from liveness.signin.access import staff_page

from .analytics import BAR_H, BAR_W, analytics_snapshot
from .analytics_panels import HIST_H, HIST_W, SPARK_H, SPARK_W


@require_GET
@staff_page(allowed=lambda user: user.is_staff and user.has_perm("review.dashboard_view")
            and user.has_perm("review.audit_view"), refusal="You do not have access to the analytics page.")
def analytics(request):
    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 365)
    except ValueError:
        days = 30
    data = analytics_snapshot(days=days)
    return render(request, "dashboard/analytics.html", {
        "a": data, "window": days, "bar_h": BAR_H, "bar_w": BAR_W,
        "chart_w": max(1, len(data.days)) * (BAR_W + 2), "hist_w": HIST_W, "hist_h": HIST_H,
        "spark_w": SPARK_W, "spark_h": SPARK_H, "fragment_ttl": settings.KYC_ANALYTICS_CACHE_SECONDS * 2})
