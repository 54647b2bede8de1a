"""Partner REST API views of cases, and what every API view shares: authenticate, validate, call a
service, serialize (webhook views: ``webhook_views``).

Every error is ``{"error": {"code": ..., "message": ...}}`` with a stable code.
Cases, deliveries and webhook endpoints of another partner are 404 (not 403) on every endpoint, so
their existence does not leak. Every POST honours ``Idempotency-Key``.
"""
from __future__ import annotations

import hashlib
import json
import logging

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from liveness.cases import services as case_services
from liveness.media.files import MediaRejected
from liveness.ops import metrics
from liveness.partners import idempotency
from liveness.partners import services as partner_services
from liveness.partners.api import errors as api_errors
from liveness.partners.api import descriptions, selectors, serializers
from liveness.partners.api.authentication import PartnerKeyAuthentication
from liveness.partners.api.parsers import JSONParser
from liveness.partners.api.permissions import IsPartnerKey, PartnerKeyThrottle
from liveness.web.client_ip import client_ip
from liveness.web.errors import UserFacingError

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"

#: DRF's codes → the codes partners see.
_CODES = {
    "not_authenticated": "unauthenticated",
    "authentication_failed": "invalid_api_key",
    "permission_denied": "forbidden",
    "throttled": "rate_limited",
    "parse_error": "malformed_request",
}


class ApiError(exceptions.APIException):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message


def error_response(status_code: int, code: str, message: str, **extra) -> Response:
    return Response({"error": {"code": code, "message": message, **extra}}, status=status_code)


def api_exception_handler(exc, context):
    """Domain refusals keep their status and code; DRF's errors are wrapped in the same envelope;
    Django's malformed-request refusals (too many fields or files) are its 400/413; anything else
    is logged with its traceback and answered ``500 server_error`` in the envelope, never Django's
    HTML page."""
    if isinstance(exc, (MediaRejected, case_services.SubmissionRefused)):
        metrics.upload_refused(door="api", code=exc.code)
    if isinstance(exc, (UserFacingError, MediaRejected, case_services.SubmissionRefused)):
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, SuspiciousOperation):
        answer = api_errors.bad_request_envelope(exc)
        return Response(json.loads(answer.content), status=answer.status_code)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        view = context.get("view")
        logger.error("partner API: unhandled %s in %s", type(exc).__name__, type(view).__name__ if view else "?",
                     exc_info=exc)
        return error_response(500, "server_error", api_errors.SERVER_ERROR_MESSAGE)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"error": {"code": "invalid_request", "message": "Some fields are not valid; see 'fields'.",
                                   "fields": exc.detail}}
        return response
    code = getattr(exc, "default_code", "error")
    if isinstance(exc.detail, str) and hasattr(exc.detail, "code") and exc.detail.code:
        code = exc.detail.code
    response.data = {"error": {"code": _CODES.get(code, code), "message": str(exc.detail)}}
    return response


class Pagination(PageNumberPagination):
    """Page-number pages for every list endpoint (cases, deliveries, webhook endpoints).

    A ``page`` that is not a page of this list (not a whole number, 0, negative, or past the
    last page) is ``400 invalid_page`` naming the parameter and the pages there are, not DRF's
    ``404 "Invalid page."``: partners read a 404 as a wrong (or foreign) id. ``page=1`` of an
    empty list is a page (empty ``results``); ``page=last`` is accepted as DRF does.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view):
        """DRF's ``page`` and ``page_size`` with their bounds: page >= 1, 1 <= page_size <= max."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "A page number from 1 to the last page (400 invalid_page otherwise)."
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view=view)
        except exceptions.NotFound:
            pass
        pages = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
        raw = request.query_params.get(self.page_query_param, "")
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise ApiError(400, "invalid_page",
                       f"The '{self.page_query_param}' query parameter must be a page number from 1 to {pages} "
                       f"(or 'last'); got '{shown}'.")


ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid request"),
    401: OpenApiResponse(serializers.ErrorSerializer, description="Missing or invalid API key"),
    404: OpenApiResponse(serializers.ErrorSerializer, description="Not found (or another partner's)"),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Rate limited; see Retry-After"),
}
POST_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(serializers.ErrorSerializer,
                         description="The case cannot take this now, or the same Idempotency-Key is in progress"),
    422: OpenApiResponse(serializers.ErrorSerializer, description="Idempotency-Key reused with a different request"),
}
IDEMPOTENCY_PARAM = OpenApiParameter(
    IDEMPOTENCY_HEADER, {"type": "string", "minLength": 1, "maxLength": 255}, OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID) of 1 to 255 printable characters (empty, blank or otherwise: "
                "400 invalid_idempotency_key); the same key with the same request replays the first answer for 24 "
                "hours (header Idempotent-Replayed: true), with another request it is 422 "
                "idempotency_key_reused, and while the first is still running 409 idempotency_in_progress")
CASE_ID_PARAM = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ENDPOINT_ID_PARAM = OpenApiParameter("endpoint_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ENDPOINT_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(serializers.ErrorSerializer,
                         description="Invalid request; webhook_url_refused (the URL may not receive webhooks: the "
                                     "message says why), unknown_webhook_event"),
    409: OpenApiResponse(serializers.ErrorSerializer,
                         description="webhook_endpoint_limit (too many active endpoints); for POST also "
                                     "idempotency_in_progress"),
}


def post_schema(*, request=None, responses: dict, summary: str, **kwargs):
    return extend_schema(request=request, responses={**POST_ERRORS, **responses}, summary=summary,
                         parameters=[IDEMPOTENCY_PARAM, *kwargs.pop("parameters", [])], **kwargs)


class PartnerAPIView(APIView):
    """Base: API-key auth, per-key throttle, error envelope."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [IsPartnerKey]
    throttle_classes = [PartnerKeyThrottle]
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return api_exception_handler

    @property
    def key(self):
        return self.request.auth

    @property
    def partner(self):
        return self.request.auth.partner

    def client_ip(self) -> str | None:
        return client_ip(self.request)

    def own_case(self, public_id):
        case = selectors.case_get_for(partner=self.partner, public_id=public_id)
        if case is None:
            raise ApiError(404, "not_found", "No case with this id.")
        return case

    def own_endpoint(self, endpoint_id):
        endpoint = selectors.webhook_endpoint_get_for(partner=self.partner, endpoint_id=endpoint_id)
        if endpoint is None:
            raise ApiError(404, "not_found", "No webhook endpoint with this id.")
        return endpoint

    def validated(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data



class IdempotentPostView(PartnerAPIView):
    """A POST endpoint honouring ``Idempotency-Key``; subclasses implement ``create``."""

    def post(self, request, *args, **kwargs):
        idempotency_key = request.headers.get(IDEMPOTENCY_HEADER)
        if idempotency_key is None:
            return self.create(request, *args, **kwargs)
        if not idempotency_key.strip():  # an unset variable in the partner's script: never a key
            raise ApiError(400, "invalid_idempotency_key",
                           "Idempotency-Key is empty; send a fresh UUID, e.g. python3 -c 'import uuid; "
                           "print(uuid.uuid4())', or leave the header out.")
        if not 1 <= len(idempotency_key) <= 255 or not idempotency_key.isprintable():
            raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable characters.")
        fingerprint = idempotency.request_fingerprint(method=request.method, path=request.path,
                                                       body_digest=self._body_digest(request))
        claim = idempotency.idempotency_claim(partner=self.partner, key=idempotency_key, method=request.method,
                                               path=request.path, fingerprint=fingerprint)
        if claim.state is idempotency.IdempotencyState.MISMATCH:
            raise ApiError(422, "idempotency_key_reused",
                           f"This Idempotency-Key was first used for a different request ({claim.record.method} "
                           f"{claim.record.path} with another body); use a new key for a new request.")
        if claim.state is idempotency.IdempotencyState.IN_PROGRESS:
            raise ApiError(409, "idempotency_in_progress",
                           "A request with this Idempotency-Key is still being processed; retry in a moment.")
        if claim.state is idempotency.IdempotencyState.REPLAY:
            return Response(claim.record.response_body, status=claim.record.response_status,
                            headers={"Idempotent-Replayed": "true"})
        try:
            try:
                response = self.create(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - answered like dispatch would, so the answer can be stored
                response = self.handle_exception(exc)
        except BaseException:
            idempotency.idempotency_abandon(record=claim.record)
            raise
        if response.status_code >= 500:
            idempotency.idempotency_abandon(record=claim.record)
        else:
            body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            idempotency.idempotency_complete(record=claim.record, status=response.status_code, body=body)
        return response

    @staticmethod
    def _body_digest(request) -> str:
        """sha256 of the raw body; for multipart, of the parts (a retry may pick a new boundary)."""
        digest = hashlib.sha256()
        if (request.content_type or "").startswith("multipart/"):
            for name, values in sorted(request.data.lists()):
                for value in values:
                    digest.update(f"{name}=".encode())
                    if isinstance(value, UploadedFile):
                        for chunk in value.chunks():
                            digest.update(chunk)
                        value.seek(0)
                    else:
                        digest.update(str(value).encode())
                    digest.update(b"\x00")
        else:
            digest.update(request._request.body)
        return digest.hexdigest()

    def create(self, request, *args, **kwargs):
        raise NotImplementedError


@extend_schema_view(
    get=extend_schema(summary="List your cases", description=descriptions.CASES_LIST, parameters=[serializers.CaseListQuerySerializer],
                      responses={200: serializers.CaseSerializer(many=True), **ERRORS}),
    post=post_schema(summary="Open a case", description=descriptions.CASE_OPEN, request=serializers.CaseCreateSerializer,
                     responses={201: serializers.CaseSerializer}),
)
class CasesView(IdempotentPostView):
    pagination_class = Pagination

    def get(self, request):
        query = self.validated(serializers.CaseListQuerySerializer, request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.cases_for(partner=self.partner, **query), request, view=self)
        partner_services.case_viewed(key=self.key, case=None, ip_address=self.client_ip(),
                                 details={"query": {k: str(v) for k, v in query.items()}, "count": len(page)})
        return paginator.get_paginated_response(serializers.CaseSerializer(page, many=True).data)

    def create(self, request):
        data = self.validated(serializers.CaseCreateSerializer, request.data)
        case = partner_services.case_open_for(key=self.key, kind=data["kind"], reference=data["reference"])
        return Response(serializers.CaseSerializer(case).data, status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("api:case", kwargs={"public_id": case.public_id})})


@extend_schema_view(get=extend_schema(
    summary="A case with its decision, checks, scores beside thresholds and error explanations",
    description=descriptions.CASE_DETAIL,
    parameters=[CASE_ID_PARAM, serializers.CaseDetailQuerySerializer],
    responses={200: serializers.CaseDetailSerializer, **ERRORS}))
class CaseDetailView(PartnerAPIView):
    def get(self, request, public_id):
        case = self.own_case(public_id)
        query = self.validated(serializers.CaseDetailQuerySerializer, request.query_params)
        context = {}
        if query.get("include") == "photos":
            context["photos"] = partner_services.case_photos_read(key=self.key, case=case, ip_address=self.client_ip())
        partner_services.case_viewed(key=self.key, case=case, ip_address=self.client_ip(),
                                 details={"photos": "photos" in context})
        # Biometric photos must not stay in a shared or browser cache.
        headers = {"Cache-Control": "no-store"} if "photos" in context else None
        return Response(serializers.CaseDetailSerializer(case, context=context).data, headers=headers)


@extend_schema_view(post=post_schema(summary="Digits the person must read aloud (digit-video cases)",
                                     description=descriptions.CHALLENGE, request=serializers.ChallengeCreateSerializer,
                                     parameters=[CASE_ID_PARAM], responses={201: serializers.ChallengeSerializer}))
class ChallengeView(IdempotentPostView):
    def create(self, request, public_id):
        case = self.own_case(public_id)
        data = self.validated(serializers.ChallengeCreateSerializer, request.data)
        challenge = partner_services.challenge_issue_for(key=self.key, case=case, language=data.get("language"))
        return Response(serializers.ChallengeSerializer(challenge).data, status=status.HTTP_201_CREATED)


class UploadView(IdempotentPostView):
    """Multipart file parts or a JSON body of base64 strings: same limits, same errors."""

    parser_classes = [JSONParser, MultiPartParser]
    input_serializer: type

    def create(self, request, public_id):
        case = self.own_case(public_id)
        data = self.validated(self.input_serializer, request.data)
        submission = partner_services.submission_accept_for(key=self.key, case=case, **data)  # refreshes ``case``
        return Response({"submission_id": submission.pk, "case": serializers.CaseSerializer(case).data},
                        status=status.HTTP_202_ACCEPTED)


@extend_schema_view(post=post_schema(
    summary="Upload the selfie (selfie cases)", description=descriptions.SELFIE, parameters=[CASE_ID_PARAM],
    request={"multipart/form-data": serializers.SelfieMultipartSchema,
             "application/json": serializers.SelfieUploadSerializer},
    responses={202: serializers.SubmissionAcceptedSerializer,
               413: OpenApiResponse(serializers.ErrorSerializer, description="Too large")}))
class SelfieView(UploadView):
    input_serializer = serializers.SelfieUploadSerializer


@extend_schema_view(post=post_schema(
    summary="Upload the digit video, the ID-card photo and the challenge id (digit-video cases)",
    description=descriptions.VIDEO,
    parameters=[CASE_ID_PARAM],
    request={"multipart/form-data": serializers.VideoMultipartSchema,
             "application/json": serializers.VideoUploadSerializer},
    responses={202: serializers.SubmissionAcceptedSerializer,
               413: OpenApiResponse(serializers.ErrorSerializer, description="Too large")}))
class VideoView(UploadView):
    input_serializer = serializers.VideoUploadSerializer


@extend_schema_view(post=post_schema(summary="A signed link where the person takes the check in a browser",
                                     description=descriptions.CAPTURE_LINK,
                                     parameters=[CASE_ID_PARAM], responses={201: serializers.CaptureLinkSerializer}))
class CaptureLinkView(IdempotentPostView):
    def create(self, request, public_id):
        case = self.own_case(public_id)
        url, expires_at = partner_services.capture_link_create(
            key=self.key, case=case,
            path_for=lambda token: request.build_absolute_uri(reverse("liveness:capture", kwargs={"token": token})))
        return Response({"url": url, "expires_at": expires_at}, status=status.HTTP_201_CREATED)


@csrf_exempt  # like every API view: partners send no CSRF token, and a POST must get this 404 too
def unknown_endpoint(request, rest=""):
    """Any other path under ``/api/v1/``: the same JSON envelope as every API error, not an HTML page.

    A trailing slash is the usual slip (the API's paths have none), so the answer names the right path.
    """
    message = f"No API endpoint at {request.path}; see /api/docs/ for the endpoints."
    if request.path.endswith("/"):
        try:
            match = resolve(request.path.rstrip("/"))
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_endpoint:
            message = f"No API endpoint at {request.path}: API paths have no trailing slash; use {request.path.rstrip('/')}"
    return api_errors.envelope(404, "not_found", message)
