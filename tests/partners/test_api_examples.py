"""Issue 18: the examples in docs/api.md run as written against a live server, so they cannot rot
(the Python one stopped at ``case_not_accepting``; the curl one needed ``uuidgen`` and, without it,
sent no Idempotency-Key at all). And an empty or blank Idempotency-Key is refused, over real HTTP too."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from liveness.cases.models import Case, CaseState
from liveness.partners import keys as partner_keys
from liveness.partners.models import IdempotencyRecord
from tests.factories import PartnerFactory
from tests.mediagen import card_jpeg, selfie_jpeg
from tests.partners.conftest import tiny_video

BASH = shutil.which("bash") or "/bin/bash"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def example(heading: str, language: str) -> str:
    """The first ``language`` code block after ``heading`` in docs/api.md."""
    text = DOCS.read_text()
    section = text[text.index(heading):]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no {language} block under {heading}"
    return match.group(1)


@pytest.fixture
def partner_key(transactional_db):
    partner = PartnerFactory()
    _, raw = partner_keys.key_create(partner=partner, is_test=True)
    return partner, raw


def _env(live_server, raw: str) -> dict:
    return {**os.environ, "KYC_KEY": raw, "KYC_API": f"{live_server.url}/api/v1"}


def test_the_python_example_runs_as_written(live_server, partner_key, tmp_path):
    partner, raw = partner_key
    (tmp_path / "selfie.jpg").write_bytes(selfie_jpeg())
    (tmp_path / "card.jpg").write_bytes(card_jpeg())
    (tmp_path / "clip.webm").write_bytes(tiny_video())

    run = subprocess.run([sys.executable, "-c", example("## Example: Python", "python")], cwd=tmp_path,
                         env=_env(live_server, raw), capture_output=True, text=True, timeout=180)

    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"read aloud, in English: \d{4,8}", lines[0]), lines
    assert lines[1].startswith(f"send the person to: {live_server.url}/"), lines
    cases = {case.reference: case for case in Case.objects.filter(partner=partner)}
    assert set(cases) == {"customer-42", "customer-43", "customer-44"}
    assert cases["customer-42"].state != CaseState.AWAITING_SUBMISSION, "the selfie was accepted"
    assert cases["customer-43"].state != CaseState.AWAITING_SUBMISSION, "the video was accepted"
    assert cases["customer-44"].state == CaseState.AWAITING_SUBMISSION
    assert lines[2].split()[0] in CaseState.values, "the poll printed the selfie case's state"
    assert IdempotencyRecord.objects.filter(partner=partner).count() == 9, "every POST sent its own key (two of them consents)"


def test_the_curl_example_runs_as_written_without_uuidgen(live_server, partner_key, tmp_path):
    partner, raw = partner_key
    (tmp_path / "selfie.jpg").write_bytes(selfie_jpeg())
    bin_dir = tmp_path / "bin"  # a PATH with curl and python3 only: no uuidgen
    bin_dir.mkdir()
    (bin_dir / "curl").symlink_to(shutil.which("curl"))
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))  # the interpreter itself, not a shim

    run = subprocess.run([BASH, "-c", example("## Example: curl", "bash")], cwd=tmp_path,
                         env={**_env(live_server, raw), "PATH": str(bin_dir)}, capture_output=True, text=True,
                         timeout=120)

    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    case = Case.objects.get(partner=partner)
    assert case.reference == "customer-42" and case.state != CaseState.AWAITING_SUBMISSION
    assert str(case.public_id) in run.stdout
    assert IdempotencyRecord.objects.filter(partner=partner).count() == 3, "every POST sent a key (case, consent, selfie)"


def test_the_curl_example_stops_when_it_cannot_make_a_key(live_server, partner_key, tmp_path):
    """Without python3 the key cannot be made: the script stops before sending a POST without one."""
    partner, raw = partner_key
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").symlink_to(shutil.which("curl"))

    run = subprocess.run([BASH, "-c", example("## Example: curl", "bash")], cwd=tmp_path,
                         env={**_env(live_server, raw), "PATH": str(bin_dir)}, capture_output=True, text=True,
                         timeout=60)

    assert run.returncode != 0 and "python3" in run.stderr, run.stderr
    assert not Case.objects.filter(partner=partner).exists()


@pytest.mark.parametrize("key", ["", " ", "   \t "])
def test_an_empty_or_blank_idempotency_key_is_400_over_http(live_server, partner_key, key):
    partner, raw = partner_key

    connection = http.client.HTTPConnection(urlsplit(live_server.url).netloc, timeout=30)
    connection.request("POST", "/api/v1/cases", body=json.dumps({"kind": "selfie"}),
                       headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": key,
                                "Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    assert response.status == 400, body
    error = body["error"]
    assert error["code"] == "invalid_idempotency_key" and "empty" in error["message"]
    assert not Case.objects.filter(partner=partner).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", [" ", "  ", "\u00a0"])
def test_a_blank_idempotency_key_is_400(api, key):
    response = api.post("/api/v1/cases", {"kind": "selfie"}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Case.objects.exists()
