"""``Authorization: Bearer kyc_<live|test>_<prefix>_<secret>``.

A successful authentication sets ``request.user`` to a :class:`PartnerClient` (not a
Django user: partners never log in) and ``request.auth`` to the ``PartnerApiKey``.
Every failure is the same 401, so a caller cannot learn whether a prefix exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..partner_models import PartnerApiKey
from . import services


@dataclass(frozen=True)
class PartnerClient:
    key: PartnerApiKey

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def partner(self):
        return self.key.partner

    @property
    def actor_label(self) -> str:
        return services.actor_label_for(self.key)

    def __str__(self) -> str:
        return self.actor_label


class PartnerKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <API key>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        key = services.key_authenticate(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid, or it was revoked.")
        return PartnerClient(key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="kyc-api"'


class PartnerKeySchema(OpenApiAuthenticationExtension):
    """Describes the key to drf-spectacular (loaded with this module, so always registered)."""

    target_class = "liveness.api.authentication.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "kyc_<live|test>_<prefix>_<secret>"}
