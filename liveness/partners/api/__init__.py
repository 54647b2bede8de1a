"""Partner REST API (``/api/v1/``): API-key auth, idempotent POSTs, signed webhooks.

Views validate, call a service (``liveness.services`` for the case use cases,
``liveness.api.services`` for API-only ones), and serialize. See ``docs/api.md``.
"""
