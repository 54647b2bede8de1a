"""``Authorization: Bearer kyc_<live|test>_<prefix>_<secret>``.

A successful authentication sets ``request.user`` to a :class:`PartnerClient` (not a
Django user: partners never log in) and ``request.auth`` to the ``PartnerApiKey``.
Every failure is the same 401, so a caller cannot learn whether a prefix exists. A client
address that sends KYC_API_KEY_FAILURE_LIMIT invalid keys within KYC_API_KEY_FAILURE_WINDOW
seconds gets 429 for *every* request, valid key or not, until the window ends: checking the
key first would go on telling a guesser which keys are valid.
"""
from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from liveness.partners import keys as partner_keys
from liveness.partners.models import PartnerApiKey
from liveness.web.client_ip import client_ip
from liveness.ops import context as log_context


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
        return partner_keys.actor_label_for(self.key)

    def __str__(self) -> str:
        return self.actor_label


class PartnerKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        address = client_ip(request._request) or "unknown"
        blocked_for = partner_keys.key_failures_blocked(address=address)
        if blocked_for is not None:
            raise exceptions.Throttled(wait=blocked_for, detail=(
                f"Too many invalid API keys from this address; try again in {blocked_for} seconds."))
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <API key>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        key = partner_keys.key_authenticate(raw=raw) if raw else None
        if key is None:
            partner_keys.key_failure_record(address=address)
            raise exceptions.AuthenticationFailed("The API key is not valid, or it was revoked.")
        log_context.bind(partner_id=key.partner_id)  # on this request's log lines (liveness.ops.context)
        return PartnerClient(key), key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="kyc-api"'


class PartnerKeySchema(OpenApiAuthenticationExtension):
    """Describes the key to drf-spectacular (loaded with this module, so always registered)."""

    target_class = "liveness.partners.api.authentication.PartnerKeyAuthentication"
    name = "partnerApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "kyc_<live|test>_<prefix>_<secret>"}
