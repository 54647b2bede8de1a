"""Partner REST API views of webhooks: the delivery log, redelivery, and the partner's endpoints."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.response import Response

from liveness.partners.api import descriptions, selectors, serializers
from liveness.partners.api.views import (
    ENDPOINT_ERRORS,
    ENDPOINT_ID_PARAM,
    ERRORS,
    ApiError,
    IdempotentPostView,
    Pagination,
    PartnerAPIView,
    post_schema,
)
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints


@extend_schema_view(get=extend_schema(summary="Webhook deliveries and their latest attempt",
                                      description=descriptions.DELIVERIES,
                                      parameters=[serializers.DeliveryListQuerySerializer],
                                      responses={200: serializers.WebhookDeliverySerializer(many=True), **ERRORS}))
class DeliveriesView(PartnerAPIView):
    pagination_class = Pagination

    def get(self, request):
        query = self.validated(serializers.DeliveryListQuerySerializer, request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.deliveries_for(partner=self.partner, **query), request, view=self)
        return paginator.get_paginated_response(serializers.WebhookDeliverySerializer(page, many=True).data)


@extend_schema_view(post=post_schema(
    summary="Send an event again (a new delivery with the same event id)",
    description=descriptions.REDELIVER,
    parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    responses={202: serializers.WebhookDeliverySerializer,
               409: OpenApiResponse(serializers.ErrorSerializer,
                                    description="webhook_endpoint_inactive (reactivate the endpoint first), or "
                                                "idempotency_in_progress")}))
class RedeliverView(IdempotentPostView):
    def create(self, request, delivery_id):
        delivery = selectors.delivery_get_for(partner=self.partner, delivery_id=delivery_id)
        if delivery is None:
            raise ApiError(404, "not_found", "No webhook delivery with this id.")
        copy = webhook_delivery.webhook_redeliver(key=self.key, delivery=delivery)
        return Response(serializers.WebhookDeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)


# --- webhook endpoints ----------------------------------------------------------------------

@extend_schema_view(
    get=extend_schema(summary="Your webhook endpoints (never their secrets), deleted ones included",
                      description=descriptions.ENDPOINTS_LIST,
                      responses={200: serializers.WebhookEndpointSerializer(many=True), **ERRORS}),
    post=post_schema(summary="Register a webhook endpoint; the answer shows its signing secret, this once",
                     description=descriptions.ENDPOINT_CREATE,
                     request=serializers.WebhookEndpointCreateSerializer,
                     responses={201: serializers.WebhookEndpointWithSecretSerializer, **ENDPOINT_ERRORS}),
)
class WebhookEndpointsView(IdempotentPostView):
    pagination_class = Pagination

    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.webhook_endpoints_for(partner=self.partner), request, view=self)
        return paginator.get_paginated_response(serializers.WebhookEndpointSerializer(page, many=True).data)

    def create(self, request):
        data = self.validated(serializers.WebhookEndpointCreateSerializer, request.data)
        endpoint = webhook_endpoints.webhook_endpoint_create(partner=self.partner, key=self.key, url=data["url"],
                                                        events=data.get("events"), ip_address=self.client_ip())
        return Response(serializers.WebhookEndpointWithSecretSerializer(endpoint).data,
                        status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("api:webhook-endpoint", kwargs={"endpoint_id": endpoint.pk})})


@extend_schema_view(
    get=extend_schema(summary="A webhook endpoint (never its secret)", description=descriptions.ENDPOINT_READ,
                      parameters=[ENDPOINT_ID_PARAM],
                      responses={200: serializers.WebhookEndpointSerializer, **ERRORS}),
    patch=extend_schema(summary="Change a webhook endpoint's URL (checked again), events or is_active",
                        description=descriptions.ENDPOINT_UPDATE,
                        parameters=[ENDPOINT_ID_PARAM], request=serializers.WebhookEndpointUpdateSerializer,
                        responses={200: serializers.WebhookEndpointSerializer, **ENDPOINT_ERRORS}),
    delete=extend_schema(
        summary="Delete (deactivate) a webhook endpoint; its pending deliveries are cancelled, visibly",
        description=descriptions.ENDPOINT_DELETE,
        parameters=[ENDPOINT_ID_PARAM], responses={200: serializers.WebhookEndpointDeletedSerializer, **ERRORS}),
)
class WebhookEndpointDetailView(PartnerAPIView):
    """PATCH and DELETE are idempotent by nature (the same request twice leaves the same state),
    so unlike POST they need no Idempotency-Key."""

    def get(self, request, endpoint_id):
        return Response(serializers.WebhookEndpointSerializer(self.own_endpoint(endpoint_id)).data)

    def patch(self, request, endpoint_id):
        endpoint = self.own_endpoint(endpoint_id)
        data = self.validated(serializers.WebhookEndpointUpdateSerializer, request.data)
        change = webhook_endpoints.webhook_endpoint_update(endpoint=endpoint, key=self.key, ip_address=self.client_ip(),
                                                      **data)
        return Response(serializers.WebhookEndpointSerializer(change.endpoint).data)

    def delete(self, request, endpoint_id):
        endpoint = self.own_endpoint(endpoint_id)
        change = webhook_endpoints.webhook_endpoint_delete(endpoint=endpoint, key=self.key, ip_address=self.client_ip())
        return Response({**serializers.WebhookEndpointSerializer(change.endpoint).data,
                         "cancelled_deliveries": change.cancelled_deliveries})


@extend_schema_view(post=post_schema(
    summary="A new signing secret for a webhook endpoint, shown this once; the old one stops at once",
    description=descriptions.ENDPOINT_ROTATE,
    parameters=[ENDPOINT_ID_PARAM], responses={200: serializers.WebhookEndpointWithSecretSerializer}))
class WebhookEndpointSecretRotateView(IdempotentPostView):
    def create(self, request, endpoint_id):
        endpoint = webhook_endpoints.webhook_endpoint_secret_rotate(endpoint=self.own_endpoint(endpoint_id), key=self.key,
                                                               ip_address=self.client_ip())
        return Response(serializers.WebhookEndpointWithSecretSerializer(endpoint).data)
