from tests.partners.conftest import api, partner, queued, receiver  # noqa: F401  (partner API fixtures)
