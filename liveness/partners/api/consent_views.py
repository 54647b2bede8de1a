"""``POST /api/v1/cases/{id}/consent``: the partner records the consent it collected in its own app;
``DELETE``: the person withdrew it (``liveness.cases.consent.case_consent_withdraw``).

A case takes no upload through the API before it has a consent (409 ``consent_required``): either
the person accepted the notice on the case's capture link, or the partner recorded theirs here.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from liveness.partners import services as partner_services
from liveness.partners.api import descriptions, serializers
from liveness.partners.api.views import CASE_ID_PARAM, ERRORS, IdempotentPostView, post_schema


@extend_schema_view(post=post_schema(
    summary="Record the person's consent to your privacy notice (before uploading media yourself)",
    description=descriptions.CONSENT,
    parameters=[CASE_ID_PARAM], request=serializers.ConsentCreateSerializer,
    responses={201: serializers.ConsentSerializer,
               200: OpenApiResponse(serializers.ConsentSerializer, description="Already recorded: the first record")}),
    delete=extend_schema(summary="The person withdrew their consent: delete their media, end the case",
                         description=descriptions.CONSENT_WITHDRAW, parameters=[CASE_ID_PARAM], request=None,
                         responses={**ERRORS, 200: serializers.ConsentWithdrawalSerializer}))
class ConsentView(IdempotentPostView):
    def delete(self, request, public_id):
        case = self.own_case(public_id)
        withdrawal = partner_services.consent_withdraw_for(key=self.key, case=case, ip_address=self.client_ip())
        return Response(serializers.ConsentWithdrawalSerializer(withdrawal).data)

    def create(self, request, public_id):
        case = self.own_case(public_id)
        data = self.validated(serializers.ConsentCreateSerializer, request.data)
        consent, created = partner_services.consent_record_for(
            key=self.key, case=case, notice_version=data["notice_version"], given_at=data.get("given_at"),
            ip_address=self.client_ip())
        return Response(serializers.ConsentSerializer(consent).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
