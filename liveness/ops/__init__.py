"""Operations: Prometheus metrics, JSON log lines with request/case/check/partner ids, error
tracking (Sentry) and the analytics page. The hooks (``metrics``, ``context``) import nothing of
the product, so every app may call them; docs/deploy.md, "Metrics, logs and errors"."""
