from tests.api.conftest import api, partner, queued, receiver  # noqa: F401  (partner API fixtures)
