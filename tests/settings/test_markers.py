"""tests/markers.py: the markers that decide what `scripts/test --unit` runs.

The classifier is exercised on stand-in items holding real functions, so a change that stops it
seeing a speech helper, a browser or a database fixture fails here rather than making the unit
subset call espeak-ng or Chromium on a machine without them."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import markers, mediagen


def _item(function, *, fixtures=(), marks=(), fixture_functions=()):
    """A stand-in for a collected pytest item: what environment_needs() reads, nothing else."""
    definitions = {f"fixture{i}": [SimpleNamespace(func=f)] for i, f in enumerate(fixture_functions)}
    return SimpleNamespace(
        obj=function,
        fixturenames=list(fixtures),
        _fixtureinfo=SimpleNamespace(name2fixturedefs=definitions),
        get_closest_marker=lambda name: object() if name in marks else None,
    )


def _video_helper():
    return mediagen.digit_video("1234")


def _speech_through_a_helper():
    return _video_helper()


def _without_mediagen(source: str):
    """A function defined in a tests module that does not import mediagen (as in test_youtu_legacy,
    which gets it from a fixture), so its names cannot be resolved by looking them up."""
    scope: dict = {"__name__": "tests.stand_in"}
    exec(source, scope)
    return scope["f"]


def _photo_only():
    return mediagen.selfie_jpeg()


def _browser():
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        return p


#: Looked up by key, so that these tests (which only read the stand-ins) stay unit themselves:
#: the classifier follows functions a test names, not values it fetches from a dict.
STAND_INS = {"speech via a helper": _speech_through_a_helper, "video helper": _video_helper,
             "photo": _photo_only, "browser": _browser}


def test_a_test_reaching_speech_through_its_own_helper_is_speech_not_unit():
    assert markers.environment_needs(_item(STAND_INS["speech via a helper"])) == {"speech"}


def test_a_mediagen_speech_function_called_on_a_fixture_value_is_found_by_name():
    speech = _without_mediagen("def f(media):\n    return media.digit_video('1234')\n")
    photo = _without_mediagen("def f(media):\n    return media.selfie_jpeg()\n")
    assert markers.environment_needs(_item(speech)) == {"speech"}
    assert markers.environment_needs(_item(photo)) == set()
    assert {"speech_wav", "digit_video"} <= markers._speech_names()
    assert "selfie_jpeg" not in markers._speech_names()


def test_a_photo_test_needs_nothing():
    assert markers.environment_needs(_item(STAND_INS["photo"])) == set()


def test_a_fixture_that_synthesises_speech_makes_its_tests_speech():
    assert markers.environment_needs(_item(STAND_INS["photo"], fixture_functions=[STAND_INS["video helper"]])) == {"speech"}


def test_playwright_is_a_browser_test():
    assert markers.environment_needs(_item(STAND_INS["browser"])) == {"browser"}


@pytest.mark.parametrize("fixtures, marks, needs", [
    (["db"], [], {"db"}),
    (["transactional_db", "celery_worker"], [], {"db", "worker"}),
    (["live_server"], [], {"db"}),
    ([], ["django_db"], {"db"}),
    ([], ["worker"], {"worker"}),
    (["settings", "tmp_path"], [], set()),
])
def test_database_and_worker_needs_come_from_fixtures_and_marks(fixtures, marks, needs):
    assert markers.environment_needs(_item(STAND_INS["photo"], fixtures=fixtures, marks=marks)) == needs


def test_the_markers_put_on_this_very_test(request):
    """The hook in tests/conftest.py ran: this module's tests need nothing, so they are unit only."""
    names = {mark.name for mark in request.node.iter_markers()}
    assert "unit" in names and not names & {"db", "worker", "browser", "speech"}
