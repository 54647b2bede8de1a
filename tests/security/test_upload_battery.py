"""Hostile uploads through both doors: the browser capture page (POST /c/<token>/, field ``selfie``)
and the partner API (POST /api/v1/cases/<id>/selfie, multipart and base64 JSON).

Every refusal is a 4xx with a precise message, never a 500, and stores nothing (MediaBlob
count unchanged, case still waiting). Content is judged by its bytes: file names and
client content types are never trusted, never used for storage paths.
"""
import base64
import html
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, UnidentifiedImageError

from liveness.media import sealing
from liveness.capture.links import capture_token_make
from liveness.cases.models import AuditEvent, CaseKind, CaseState, Submission
from liveness.media import files as media
from liveness.media.models import MediaBlob
from tests.partners.conftest import _client
from tests.factories import CaseFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _image(fmt, size=(64, 48), mode="RGB", color=(200, 120, 90), **save):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()


def _animated(fmt):
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


JPEG = _image("JPEG", (320, 240))
GIF = _image("GIF")
BOMB = _image("PNG", (9000, 9000), mode="1", color=0)  # one colour: a few KB compressed, 81 Mpx decoded
assert len(BOMB) < 100_000

# name -> (bytes, expected media code, message fragment of the service (API))
REFUSED = {
    "zero_bytes": (b"", "empty", "is empty (0 bytes)"),
    "gif": (GIF, "gif", "GIF images are not accepted"),
    "animated_png": (_animated("PNG"), "animated", "animated image"),
    "animated_webp": (_animated("WEBP"), "animated", "animated image"),
    "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not_an_image", "not an image file we can read"),
    "html_as_jpg": (b"<!doctype html><html><script>alert(document.cookie)</script></html>",
                    "not_an_image", "not an image file we can read"),
    "truncated_jpeg": (JPEG[: len(JPEG) // 2], "corrupt_image", "damaged or truncated"),
    "decompression_bomb": (BOMB, "too_many_pixels", "too many pixels"),
    "tiff": (_image("TIFF"), "unsupported_format", "not TIFF"),
    "exe_as_jpg": (b"MZ\x90\x00" + os.urandom(2000), "not_an_image", "not an image file we can read"),
}
# What the capture page shows (its own translated sentence for the commonest codes).
CAPTURE_MESSAGES = {
    "empty": "The submitted file is empty.",  # Django's FileField refuses it before the service
    "gif": "GIF images are not accepted; please send a JPEG or PNG photo.",
    "not_an_image": "The file is not an image we can read.",
    # the person's words, not the decoder's (liveness/capture/views.py ERROR_MESSAGES)
    "animated": "Please send a single still photo, not an animation.",
    "corrupt_image": "The photo is damaged or incomplete; please take or choose it again.",
    "unsupported_format": "Please choose a JPEG or PNG photo.",
    "too_many_pixels": "The photo has too many pixels; please send a smaller photo.",
}


def _zip_payload():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.sh", "#!/bin/sh\nrm -rf / # POLYGLOT-ZIP-PAYLOAD\n")
    return out.getvalue()


POLYGLOTS = {
    "jpeg_plus_zip": (JPEG + _zip_payload(), b"POLYGLOT-ZIP-PAYLOAD"),
    "jpeg_plus_html": (JPEG + b"<html><script>/*POLYGLOT-HTML*/alert(1)</script></html>", b"POLYGLOT-HTML"),
}


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """An empty media root per test, so "no file written" can be checked on disk."""
    settings.MEDIA_ROOT = str(tmp_path / "private-media")


@pytest.fixture
def selfie_case():
    return CaseFactory(kind=CaseKind.SELFIE)


@pytest.fixture
def partner_api():
    partner = PartnerFactory()
    client = _client(partner)
    client.partner = partner
    return client


def _capture_post(client, case, name, data, content_type="image/jpeg"):
    url = reverse("liveness:capture", kwargs={"token": capture_token_make(case=case)})
    return client.post(url, {"selfie": SimpleUploadedFile(name, data, content_type=content_type)})


def _api_url(case):
    return f"/api/v1/cases/{case.public_id}/selfie"


def _assert_nothing_stored(case):
    case.refresh_from_db()
    assert not MediaBlob.objects.exists() and not Submission.objects.exists()
    assert case.state == CaseState.AWAITING_SUBMISSION
    # and no file was written either
    assert not [f for _, _, files in os.walk(media_root()) for f in files if f.endswith(".bin")]


def media_root():
    from django.conf import settings

    return settings.MEDIA_ROOT


@pytest.mark.parametrize("name", list(REFUSED))
def test_capture_page_refuses_with_a_precise_message_and_stores_nothing(client, selfie_case, name):
    data, code, fragment = REFUSED[name]

    response = _capture_post(client, selfie_case, "me.jpg", data)

    assert 400 <= response.status_code < 500, (name, response.status_code)
    expected = CAPTURE_MESSAGES.get(code, fragment)
    assert expected in html.unescape(response.content.decode()), (name, expected)
    _assert_nothing_stored(selfie_case)


@pytest.mark.parametrize("encoding", ["multipart", "json"])
@pytest.mark.parametrize("name", list(REFUSED))
def test_api_refuses_with_the_media_code_and_stores_nothing(partner_api, name, encoding):
    data, code, fragment = REFUSED[name]
    case = CaseFactory(kind=CaseKind.SELFIE, partner=partner_api.partner)
    body = ({"selfie": SimpleUploadedFile("me.jpg", data, content_type="image/jpeg")} if encoding == "multipart"
            else {"selfie": base64.b64encode(data).decode()})

    response = partner_api.post(_api_url(case), body, format=encoding)

    assert 400 <= response.status_code < 500, (name, response.status_code, response.content[:300])
    error = response.json()["error"]
    if code == "empty" and encoding == "multipart":
        # DRF drops an empty file part before the view: it is answered as a missing selfie.
        assert error["code"] in {"empty", "selfie_required"} and error["message"]
    else:
        assert error["code"] == code and fragment in error["message"], (name, error)
    _assert_nothing_stored(case)


@pytest.mark.parametrize("name", list(POLYGLOTS))
def test_polyglots_are_accepted_but_the_stored_image_carries_no_payload(client, partner_api, name):
    """Re-encoding keeps the pixels and drops everything after the JPEG's end: accepted, sanitised."""
    data, marker = POLYGLOTS[name]
    browser_case = CaseFactory(kind=CaseKind.SELFIE)
    api_case = CaseFactory(kind=CaseKind.SELFIE, partner=partner_api.partner)

    assert _capture_post(client, browser_case, "me.jpg", data).status_code == 302
    response = partner_api.post(_api_url(api_case), {"selfie": SimpleUploadedFile("me.jpg", data)}, format="multipart")
    assert response.status_code == 202, response.content

    assert MediaBlob.objects.count() == 2
    for blob in MediaBlob.objects.all():
        plaintext = media.blob_read(blob)
        assert marker not in plaintext and b"PK\x03\x04" not in plaintext and b"<script" not in plaintext
        assert plaintext.startswith(b"\xff\xd8") and plaintext.rstrip(b"\x00").endswith(b"\xff\xd9")
        assert Image.open(io.BytesIO(plaintext)).format == "JPEG"


ODD_NAMES = ["../../../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "a\x00.php.jpg", "x" * 10_000 + ".jpg",
             "selfie.jpg.exe", "<script>alert(1)</script>.jpg", "%2e%2e%2fpasswd.jpg"]


@pytest.mark.parametrize("filename", ODD_NAMES, ids=range(len(ODD_NAMES)))
def test_odd_filenames_never_reach_storage(client, partner_api, filename):
    """A name is never trusted: with a real photo the upload is accepted and stored under a
    generated name (blob uuid); with a non-image it is refused on the bytes."""
    browser_case = CaseFactory(kind=CaseKind.SELFIE)
    api_case = CaseFactory(kind=CaseKind.SELFIE, partner=partner_api.partner)

    refused = _capture_post(client, browser_case, filename, b"<html>not a photo</html>")
    assert 400 <= refused.status_code < 500 and not MediaBlob.objects.exists()
    refused = partner_api.post(_api_url(api_case), {"selfie": SimpleUploadedFile(filename, b"<html></html>")},
                               format="multipart")
    assert 400 <= refused.status_code < 500 and refused.json()["error"]["code"] == "not_an_image"
    assert not MediaBlob.objects.exists()

    assert _capture_post(client, browser_case, filename, JPEG).status_code == 302
    accepted = partner_api.post(_api_url(api_case), {"selfie": SimpleUploadedFile(filename, JPEG)}, format="multipart")
    assert accepted.status_code == 202, accepted.content
    for blob in MediaBlob.objects.all():
        assert blob.file.name.endswith(f"/{blob.id}.bin") and ".." not in blob.file.name
        assert os.path.realpath(blob.file.path).startswith(os.path.realpath(media_root()) + os.sep)


def test_wrong_content_types(client, partner_api, selfie_case):
    # HTML labelled image/jpeg: refused on the bytes.
    response = _capture_post(client, selfie_case, "me.jpg", b"<html><body>hi</body></html>", content_type="image/jpeg")
    assert response.status_code == 400 and "not an image we can read" in response.content.decode()
    # The API answers 415 to a body type it does not parse.
    api_case = CaseFactory(kind=CaseKind.SELFIE, partner=partner_api.partner)
    response = partner_api.post(_api_url(api_case), data=JPEG, content_type="image/jpeg")
    assert response.status_code == 415 and "image/jpeg" in response.json()["error"]["message"]
    response = partner_api.post(_api_url(api_case), data="selfie=abc", content_type="text/plain")
    assert response.status_code == 415
    # A form post with no file part at all.
    response = client.post(reverse("liveness:capture", kwargs={"token": capture_token_make(case=selfie_case)}),
                           {"selfie": "just text"})
    assert response.status_code == 400 and "This field is required." in html.unescape(response.content.decode())
    assert not MediaBlob.objects.exists()


MALFORMED = [
    b"--XyZ\r\nContent-Disposition: form-data; name=\"selfie\"; filename=\"a.jpg\"\r\n\r\n" + JPEG[:100],  # no end
    b"garbage without any boundary at all",
    b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XyZ--\r\n",
]


@pytest.mark.parametrize("body", MALFORMED, ids=["unterminated", "no_boundary", "nameless_part"])
def test_malformed_multipart_is_a_4xx_on_both_doors(client, partner_api, selfie_case, body):
    url = reverse("liveness:capture", kwargs={"token": capture_token_make(case=selfie_case)})
    response = client.generic("POST", url, body, content_type="multipart/form-data; boundary=XyZ")
    assert 400 <= response.status_code < 500, response.status_code
    api_case = CaseFactory(kind=CaseKind.SELFIE, partner=partner_api.partner)
    response = partner_api.generic("POST", _api_url(api_case), body, content_type="multipart/form-data; boundary=XyZ")
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    response = partner_api.generic("POST", _api_url(api_case), body, content_type="multipart/form-data")  # no boundary
    assert 400 <= response.status_code < 500
    assert not MediaBlob.objects.exists()


def test_media_files_on_disk_are_ciphertext_not_images(client, selfie_case):
    assert _capture_post(client, selfie_case, "me.jpg", JPEG).status_code == 302
    blob = MediaBlob.objects.get()
    plaintext = media.blob_read(blob)
    paths = [os.path.join(d, f) for d, _, files in os.walk(media_root()) for f in files]
    assert blob.file.path in paths
    with open(blob.file.path, "rb") as handle:
        raw = handle.read()
    assert raw.startswith(sealing.MAGIC) and b"\xff\xd8\xff" not in raw[:64] and b"JFIF" not in raw
    assert plaintext[100:164] not in raw
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(raw))


def test_dashboard_media_refuses_anonymous_and_non_reviewers(client, selfie_case):
    assert _capture_post(client, selfie_case, "me.jpg", JPEG).status_code == 302
    blob = MediaBlob.objects.get()
    url = reverse("dashboard:media", kwargs={"public_id": selfie_case.public_id, "blob_id": blob.id})

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous.url
    assert b"\xff\xd8" not in anonymous.content

    client.force_login(UserFactory(username="not-staff"))
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="media.view").exists()
    # And there is no public media URL to guess.
    assert client.get("/media/" + blob.file.name).status_code == 404
