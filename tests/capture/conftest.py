"""The capture tests' shared fixture: the fake camera, microphone and card files for Chromium."""
from __future__ import annotations

import pytest

from tests import mediagen
from tests.capture.browser import fake_devices


@pytest.fixture(scope="module")
def fake_media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-media")
    devices = fake_devices(folder)
    y4m, wav = devices["y4m"], devices["wav"]
    card = folder / "card.jpg"
    card.write_bytes(mediagen.card_jpeg())
    gif = folder / "card.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    return {"y4m": y4m, "wav": wav, "card": card, "gif": gif}
