"""liveness_selfie / liveness_video print one JSON verdict judged exactly as the pipeline judges."""
import json

import pytest
from django.core.management import CommandError, call_command

from liveness.checks.models import ThresholdPolicy
from tests.mediagen import card_jpeg, digit_video, selfie_jpeg

pytestmark = pytest.mark.django_db


def _run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_selfie_of_a_real_face_is_scored_against_the_current_threshold(tmp_path):
    image = tmp_path / "selfie.jpg"
    image.write_bytes(selfie_jpeg())

    verdict = _run("liveness_selfie", str(image))

    policy = ThresholdPolicy.objects.get(provider="local", metric="liveness")
    assert {"passed", "score", "threshold", "code", "explanation"} <= set(verdict)
    assert verdict["threshold"] == policy.value
    assert verdict["passed"] == (verdict["score"] >= policy.value) and verdict["code"] == "0"


def test_selfie_without_a_face_fails_with_the_engine_code_and_its_explanation(tmp_path):
    image = tmp_path / "coffee.jpg"
    image.write_bytes(selfie_jpeg(no_face=True))

    verdict = _run("liveness_selfie", str(image))

    assert verdict["passed"] is False and verdict["code"] == "LOCAL_NO_FACE"
    assert "face" in verdict["explanation"].lower()


def test_video_with_the_right_digits_and_card_reports_both_scores(tmp_path):
    video, card = tmp_path / "clip.webm", tmp_path / "card.jpg"
    video.write_bytes(digit_video("3185"))
    card.write_bytes(card_jpeg())

    verdict = _run("liveness_video", str(video), "--digits", "3185", "--card", str(card))

    assert verdict["recognised_digits"] == "3185"
    assert set(verdict["scores"]) == {"liveness", "similarity"}
    assert verdict["scores"]["similarity"]["passed"] is True


def test_video_with_other_digits_fails_as_wrong_digits(tmp_path):
    video = tmp_path / "clip.webm"
    video.write_bytes(digit_video("3185"))

    verdict = _run("liveness_video", str(video), "--digits", "7777")

    assert verdict["passed"] is False and verdict["code"] == "LOCAL_WRONG_DIGITS"


def test_unreadable_input_is_a_command_error_not_a_traceback(tmp_path):
    bogus = tmp_path / "not-an-image.jpg"
    bogus.write_bytes(b"<html></html>")

    with pytest.raises(CommandError, match="not_an_image"):
        call_command("liveness_selfie", str(bogus))


def test_demo_setup_prints_a_totp_command_that_runs_as_printed(monkeypatch, tmp_path):
    """The printed 2FA command names this project's interpreter (README: .venv/bin/python manage.py totp_code),
    not a bare 'python', which Debian does not have or which lacks Django."""
    import re
    import subprocess
    import sys
    from io import StringIO
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    out = StringIO()
    call_command("demo_setup", "--username", "demo-cli", stdout=out)

    command = re.search(r"2FA code (?:DATABASE_URL=\S+ )?(\S+) manage\.py totp_code demo-cli", out.getvalue())
    assert command, out.getvalue()
    interpreter = command.group(1)
    assert interpreter != "python" and (root / interpreter).resolve() == Path(sys.executable).resolve()
    assert subprocess.run([str(root / interpreter), "-c", "import django"], timeout=60).returncode == 0


def test_demo_setup_names_the_database_of_the_environment_in_the_printed_command(monkeypatch):
    """With DATABASE_URL in the environment (not the default SQLite file), the printed 2FA command
    carries it: typed in another terminal without it, totp_code would read the SQLite file."""
    import os
    import re
    from io import StringIO

    out = StringIO()
    call_command("demo_setup", "--username", "demo-db", stdout=out)
    printed = re.search(r"2FA code (.+) manage\.py totp_code demo-db", out.getvalue()).group(1)
    assert printed.startswith(f"DATABASE_URL={os.environ['DATABASE_URL']} "), printed

    monkeypatch.delenv("DATABASE_URL")
    out = StringIO()
    call_command("demo_setup", "--username", "demo-db", stdout=out)
    assert "DATABASE_URL" not in out.getvalue()
