"""One VendorSpec per provider holds its defaults; settings, the registry, the thresholds and the
provider classes all read it, and each family's knowledge stays in its own folder."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from liveness.checks import thresholds
from liveness.vendors import REGISTRY, catalogue
from liveness.vendors.registry import SPECS, THRESHOLD_DEFAULTS, provider_settings
from liveness.vendors.spec import SettingError

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("youtu", "tencent_cloud", "senseid", "local")


def test_registry_and_classes_are_the_specs():
    assert REGISTRY == {name: spec.provider_class for name, spec in SPECS.items()}
    for name, spec in SPECS.items():
        cls = import_string(spec.provider_class)
        assert (cls.name, cls.vendor, cls.operations) == (name, spec.family, spec.operations)
        assert spec.family in catalogue.TABLES and spec.rate_limit and spec.queue in ("engine", "vendor")


def test_settings_are_read_from_the_specs(settings):
    """Without environment values every KYC_PROVIDERS key is the spec's default (the test environment
    may point endpoints at a sandbox, so compare the defaults through the same reader)."""
    defaults = provider_settings({})
    for name, spec in SPECS.items():
        assert defaults[name] == {s.key: s.default for s in spec.settings}
        assert set(settings.KYC_PROVIDERS[name]) == set(defaults[name])
    assert tuple(settings.KNOWN_PROVIDERS) == tuple(SPECS)


@pytest.mark.parametrize("name", list(SPECS))
def test_a_provider_built_without_config_uses_its_spec_defaults(name):
    spec = SPECS[name]
    provider = import_string(spec.provider_class)(config={})
    config = getattr(provider, "config", None)
    if config is not None:  # Tencent Cloud keeps its merged config
        assert config == spec.defaults()
    for key, default in spec.defaults().items():  # the others keep attributes named like the keys
        if hasattr(provider, key):
            value = getattr(provider, key)
            assert value == (default.rstrip("/") if isinstance(default, str) and key.endswith("url") else default), key


def test_thresholds_come_from_the_specs():
    assert thresholds.DEFAULTS is THRESHOLD_DEFAULTS
    for name, spec in SPECS.items():
        for metric, default in spec.thresholds.items():
            assert THRESHOLD_DEFAULTS[(name, metric)] is default
            assert default.scale == spec.score_scale


@pytest.mark.parametrize(("env", "message"), [
    ({"YOUTU_TIMEOUT": "-1"}, "YOUTU_TIMEOUT must be positive"),
    ({"TENCENT_FACEID_TIMEOUT": "0"}, "TENCENT_FACEID_TIMEOUT must be positive"),
    ({"SENSEID_TIMEOUT": "soon"}, "SENSEID_TIMEOUT must be a number"),
    ({"SENSEID_AES_KEY": "short"}, "SENSEID_AES_KEY must be 32 characters and SENSEID_AES_IV 12 characters"),
    ({"SENSEID_BODY_ENCODING": "xml"}, "SENSEID_BODY_ENCODING must be 'multipart' or 'json'"),
    ({"TENCENT_IAI_FACE_MODEL_VERSION": "4.0"}, "TENCENT_IAI_FACE_MODEL_VERSION must be '2.0' or '3.0'"),
    ({"LOCAL_MIN_VIDEO_SHORT_SIDE": "wide"}, "LOCAL_MIN_VIDEO_SHORT_SIDE must be a number"),
])
def test_bad_vendor_settings_are_refused_with_the_variable_named(env, message):
    with pytest.raises(SettingError, match=message):
        provider_settings(env)


def test_a_bad_vendor_setting_stops_the_portal_at_start():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "SENSEID_", "DJANGO_SETTINGS"))}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings",
                                                         "KYC_ENV_FILE": "", "SENSEID_BODY_ENCODING": "xml"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SENSEID_BODY_ENCODING must be 'multipart' or 'json'" in result.stderr


def _family_imports(family: str) -> set[str]:
    """Every liveness.vendors.<x> module a family's folder imports (relative imports resolved)."""
    found = set()
    for path in (ROOT / "liveness" / "vendors" / family).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    found.add(f"liveness.vendors.{family}.{node.module or ''}")
                elif node.level == 2:
                    found.add(f"liveness.vendors.{node.module or ''}")
                elif node.module and node.module.startswith("liveness.vendors"):
                    found.add(node.module)
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_a_vendor_folder_uses_no_other_vendors_client(family):
    """Shared code lives at liveness/vendors/ (base, errors, spec, media fitting); a family reaches into
    another only for published data (the YouTu similarity scale FaceID shares), never its client."""
    others = [f"liveness.vendors.{other}" for other in FAMILIES if other != family]
    crossing = {m for m in _family_imports(family) if m.startswith(tuple(others))}
    assert crossing <= {"liveness.vendors.youtu.spec"}, crossing
    if family == "senseid":
        assert crossing == set()  # senseid imports nothing from tencent_cloud (it used to, for video fitting)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_folder_holds_its_error_table_and_spec(family):
    errors = import_string(f"liveness.vendors.{family}.errors.ERRORS")
    assert catalogue.TABLES[family] is errors and errors.family == family
    specs = [s for s in SPECS.values() if s.family == family]
    assert specs and all(s.provider_class.startswith(f"liveness.vendors.{family}.") for s in specs)
