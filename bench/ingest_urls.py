"""URLs of bench/ingest.py's web server: every product URL, plus the baseline it is compared with.

Bench only (DJANGO_SETTINGS_MODULE=bench.ingest_settings); the product's URLconf never
includes this.
"""
import uuid

from django.core.files.storage import default_storage
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kyc_portal.urls import urlpatterns as product_urlpatterns


@csrf_exempt
@require_POST
def bare_upload(request):
    """The least a Django view can do with the upload: parse the multipart body and store the
    file to disk. No authentication, validation, database or queue."""
    upload = request.FILES.get("selfie")
    if upload is None:
        return HttpResponseBadRequest("selfie missing")
    name = default_storage.save(f"bench-bare/{uuid.uuid4().hex}.jpg", upload)
    return JsonResponse({"stored": name}, status=202)


urlpatterns = [path("bench/bare-upload", bare_upload), *product_urlpatterns]
