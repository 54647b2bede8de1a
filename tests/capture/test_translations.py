"""locale/<lang>/LC_MESSAGES/django.po is the one source of user-facing text in other languages
(Simplified Chinese): the capture pages, the end-user messages of the vendor catalogue, the
reasons a reviewer gives. These tests keep it complete, compiled and in step with the code."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _msgids(po_text: str) -> set[str]:
    """Every msgid of a .po file (multi-line ones joined), the header left out."""
    ids: set[str] = set()
    current: list[str] = []
    inside = False
    for line in [*po_text.splitlines(), ""]:
        if line.startswith("msgid "):
            current, inside = [line[6:]], True
        elif inside and line.startswith('"'):
            current.append(line)
        else:
            if inside:
                text = "".join(part.strip()[1:-1] for part in current)
                if text:
                    ids.add(text)
            inside = False
    return ids


def _msgattrib(*flags: str) -> str:
    return subprocess.run(["msgattrib", *flags, str(PO)], capture_output=True, text=True, check=True).stdout


def test_nothing_is_untranslated_or_fuzzy_and_the_mo_is_compiled_from_the_po():
    from django.utils import translation

    assert _msgids(_msgattrib("--only-fuzzy")) == set(), "fuzzy entries in the .po: check and clear them"
    assert _msgids(_msgattrib("--untranslated")) == set(), "untranslated entries: add the Chinese to the .po"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["msgfmt", "--check", "-o", f"{tmp}/django.mo", str(PO)], check=True)
        assert Path(f"{tmp}/django.mo").read_bytes() == PO.with_suffix(".mo").read_bytes(), (
            "the .mo is stale: python manage.py compilemessages -l zh_Hans -i .venv")
    with translation.override("zh-hans"):
        assert translation.gettext("Please try again.") == "请重试。"


def test_every_marked_string_of_the_code_is_in_the_po_and_nothing_else(tmp_path):
    """makemessages over a copy of the product finds exactly the msgids of the committed .po: a new
    string without its entry, or an entry the code no longer uses, fails here (GNU gettext only)."""
    for part in ("manage.py", "kyc_portal", "liveness", "tools", "templates", "locale"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "*.onnx"))
        else:
            shutil.copy(source, tmp_path / part)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"], cwd=tmp_path,
                   check=True, capture_output=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings"})

    regenerated = _msgids((tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text())

    assert regenerated == _msgids(PO.read_text()), "run makemessages, translate, compilemessages (docs/capture.md)"


def test_the_catalogues_user_messages_are_translated_through_the_po():
    from liveness.vendors import catalogue

    entry = catalogue.lookup("local", "LOCAL_NO_FACE")

    assert entry.user_message_en.replace('"', '\\"') in _msgids(PO.read_text())
    chinese = entry.user_message("zh-hans")
    assert chinese != entry.user_message_en and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert entry.user_message_zh == chinese and entry.as_dict()["user_message_zh"] == chinese
