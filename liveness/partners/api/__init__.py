"""Partner REST API (``/api/v1/``): API-key auth, idempotent POSTs, signed webhooks.

Views validate, call a service (``liveness.cases.services`` for the case use cases,
``liveness.partners`` for API-only ones), and serialize. See ``docs/api.md``.
"""
