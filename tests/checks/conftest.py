from tests.vendors.conftest import sandbox, sandbox_server  # noqa: F401  (vendor sandbox fixtures)
