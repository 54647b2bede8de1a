"""The sandbox is a development tool outside the product.

* No product module (``liveness``) imports ``tools.sandbox``: checked in the source, and by importing
  every product module in a fresh process and looking at ``sys.modules``.
* Production settings do not install the sandbox app (so ``manage.py vendor_sandbox`` does not exist
  there); development settings do.
* The emulators read only the vendors' public tables and specs, never a client's internals.
"""
from __future__ import annotations

import ast
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The product modules the sandbox may import: the engine and the vendors' published facts.
SANDBOX_MAY_IMPORT = (
    "liveness.engine",
    "liveness.vendors.base",
    "liveness.vendors.youtu.errors", "liveness.vendors.youtu.spec",
    "liveness.vendors.tencent_cloud.errors", "liveness.vendors.tencent_cloud.spec",
    "liveness.vendors.senseid.errors", "liveness.vendors.senseid.spec",
    "liveness.vendors.senseid.crypto",  # the vendor's published media encryption, both sides use it
    "liveness.vendors.video_fit",  # probe_video: the shared video prober
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("KYC_", "SECRET_KEY", "MEDIA_ENCRYPTION_KEYS", "DJANGO_SETTINGS_MODULE"))}
    return {**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **extra}


def _production_env() -> dict[str, str]:
    return _env(KYC_ENV="production", SECRET_KEY="p" * 50,
                MEDIA_ENCRYPTION_KEYS="k1:" + base64.b64encode(b"k" * 32).decode())


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_no_product_source_imports_the_sandbox():
    offenders = [f"{path.relative_to(ROOT)}: {name}"
                 for path in sorted((ROOT / "liveness").rglob("*.py"))
                 for name in _imports(path) if name == "tools" or name.startswith("tools.")]
    assert offenders == []


IMPORT_EVERY_PRODUCT_MODULE = """
import importlib, json, pkgutil, sys
import django
django.setup()
before = sorted(m for m in sys.modules if m == "tools" or m.startswith("tools."))
import liveness
failed = []
for info in pkgutil.walk_packages(liveness.__path__, "liveness."):
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed.append(f"{info.name}: {exc!r}")
after = sorted(m for m in sys.modules if m == "tools" or m.startswith("tools."))
imported = sorted(m for m in sys.modules if m.startswith("liveness."))
print(json.dumps({"before": before, "after": after, "failed": failed, "imported": len(imported)}))
"""


def _import_everything(env: dict[str, str]) -> dict:
    result = _run(IMPORT_EVERY_PRODUCT_MODULE, env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_every_product_module_in_production_loads_no_sandbox_module():
    report = _import_everything(_production_env())
    assert report["failed"] == [] and report["imported"] > 50
    assert report["after"] == []


def test_importing_every_product_module_in_development_loads_only_the_sandbox_app_config():
    """Development installs the app (Django imports its AppConfig at setup); the product itself adds
    nothing: no emulator, server or fetcher is loaded by importing every product module."""
    report = _import_everything(_env(KYC_ENV="development"))
    assert report["failed"] == []
    assert report["before"] == ["tools", "tools.sandbox", "tools.sandbox.apps"]
    assert report["after"] == report["before"]


def test_production_settings_do_not_install_the_sandbox():
    show_apps = "import django; django.setup(); from django.conf import settings; print(settings.INSTALLED_APPS)"
    production = _run(show_apps, _production_env())
    assert production.returncode == 0, production.stderr[-2000:]
    assert "tools.sandbox" not in production.stdout and "liveness" in production.stdout
    development = _run(show_apps, _env(KYC_ENV="development"))
    assert "tools.sandbox.apps.SandboxConfig" in development.stdout

    command = subprocess.run([sys.executable, "manage.py", "vendor_sandbox", "--help"], cwd=ROOT,
                             env=_production_env(), capture_output=True, text=True, timeout=300)
    assert command.returncode != 0 and "Unknown command: 'vendor_sandbox'" in command.stderr


def test_the_sandbox_imports_only_public_vendor_tables_and_specs():
    for path in sorted((ROOT / "tools" / "sandbox").rglob("*.py")):
        product = {name for name in _imports(path) if name.startswith("liveness")}
        # "from liveness import engine" names the package and the attribute
        allowed = {name for name in product
                   if name in ("liveness", "liveness.engine") or name.startswith(SANDBOX_MAY_IMPORT)}
        assert product - allowed == set(), f"{path.relative_to(ROOT)} imports {sorted(product - allowed)}"
