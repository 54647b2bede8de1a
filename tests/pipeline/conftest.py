from tests.providers.conftest import sandbox, sandbox_server  # noqa: F401  (vendor sandbox fixtures)
