import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from liveness.media import sealing
from liveness.media import files as media
from liveness.media.models import MediaKind


def _image_bytes(fmt: str, size=(240, 320), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, format=fmt, **save)
    return out.getvalue()


def test_jpeg_is_reencoded_without_exif_and_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "Secret Camera Maker"
    data = _image_bytes("JPEG", size=(320, 240), exif=exif.tobytes())

    out = media.image_normalise(data)

    image = Image.open(io.BytesIO(out.content))
    assert (image.width, image.height) == (240, 320)  # orientation applied
    assert b"Secret Camera Maker" not in out.content
    assert not image.getexif()


def test_no_metadata_of_the_upload_survives_reencoding():
    """EXIF, XMP, an ICC profile and a JPEG comment (which Pillow would copy from the source)."""
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"
    data = _image_bytes("JPEG", exif=exif.tobytes(), comment=b"GPS 22.5431N 114.0579E",
                        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>", icc_profile=b"\0" * 128 + b"secret-icc")

    out = media.image_normalise(data).content

    assert b"GPS 22.5431N" in data and b"secret-xmp" in data  # the source really carries them
    for secret in (b"Secret Camera Maker", b"GPS 22.5431N", b"secret-xmp", b"secret-icc"):
        assert secret not in out
    image = Image.open(io.BytesIO(out))
    assert "comment" not in image.info and "icc_profile" not in image.info and not image.getexif()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"GIF89a" + _image_bytes("GIF")[6:], "gif"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not_an_image"),
        (b"<html><script>alert(1)</script></html>", "not_an_image"),
        (_image_bytes("PNG")[:60], "corrupt_image"),
        (_image_bytes("TIFF"), "unsupported_format"),
    ],
)
def test_bad_images_are_refused_with_a_code(data, code):
    with pytest.raises(media.MediaRejected) as caught:
        media.image_normalise(data)
    assert caught.value.code == code
    assert caught.value.message


def test_oversized_upload_is_refused_before_decoding(settings):
    settings.KYC_MAX_IMAGE_BYTES = 1000
    with pytest.raises(media.MediaRejected) as caught:
        media.image_normalise(b"\xff" * 1001)
    assert (caught.value.code, caught.value.status) == ("too_large", 413)


@pytest.mark.parametrize("limit, size, message", [
    # the defaults are MiB: 8 * 1024 * 1024 is "8 MiB", and a refused size never reads as equal to the limit
    (8 * 1024 * 1024, 8 * 1024 * 1024 + 1, "The photo is 8.1 MiB; the limit is 8 MiB."),
    (8 * 1024 * 1024, 9_100_000, "The photo is 8.7 MiB; the limit is 8 MiB."),  # 9.1 MB
    (5_000_000, 5_000_001, "The photo is 4.8 MiB; the limit is 4.7 MiB."),  # a limit set in decimal MB
    (1000, 1001, "The photo is 1001 bytes; the limit is 1000 bytes."),
    (2048, 4000, "The photo is 4 KiB; the limit is 2 KiB."),
])
def test_the_size_refusal_states_size_and_limit_honestly_in_one_binary_unit(settings, limit, size, message):
    settings.KYC_MAX_IMAGE_BYTES = limit
    with pytest.raises(media.MediaRejected) as caught:
        media.image_normalise(b"\xff" * size)
    assert caught.value.message == message


def test_the_video_size_refusal_says_mib(settings):
    settings.KYC_MAX_VIDEO_BYTES = 20 * 1024 * 1024
    with pytest.raises(media.MediaRejected) as caught:
        media.video_probe(b"\0" * (21 * 1024 * 1024))
    assert (caught.value.code, caught.value.message) == ("too_large", "The video is 21 MiB; the limit is 20 MiB.")


def test_decompression_bomb_is_refused_without_changing_pillow_globally(settings):
    pillow_limit = Image.MAX_IMAGE_PIXELS
    settings.KYC_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(media.MediaRejected) as caught:
        media.image_normalise(_image_bytes("PNG", size=(400, 400)))
    assert caught.value.code == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS == pillow_limit


def test_a_real_bomb_file_is_refused_before_its_pixels_are_decoded():
    # A 9000x9000 PNG of one colour is a few hundred KB on disk but 81 megapixels (243 MB as RGB) decoded.
    out = io.BytesIO()
    Image.new("L", (9000, 9000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 2_000_000
    with pytest.raises(media.MediaRejected) as caught:
        media.image_normalise(out.getvalue())
    assert caught.value.code == "too_many_pixels"


def test_video_probe_refuses_an_image():
    with pytest.raises(media.MediaRejected) as caught:
        media.video_probe(_image_bytes("JPEG"))
    assert caught.value.code == "unsupported_video"


@pytest.mark.django_db
def test_stored_blob_is_encrypted_on_disk_and_decrypts():
    data = _image_bytes("JPEG")

    blob = media.blob_store(data=data, kind=MediaKind.SELFIE, content_type="image/jpeg")

    with default_storage.open(blob.file.name, "rb") as handle:
        on_disk = handle.read()
    assert data not in on_disk and on_disk.startswith(sealing.MAGIC)
    with pytest.raises(Exception):
        Image.open(io.BytesIO(on_disk))
    assert media.blob_read(blob) == data


@pytest.mark.django_db
def test_blob_swapped_onto_another_row_does_not_decrypt():
    first = media.blob_store(data=b"first", kind=MediaKind.SELFIE, content_type="image/jpeg")
    second = media.blob_store(data=b"second", kind=MediaKind.SELFIE, content_type="image/jpeg")
    second.file.name = first.file.name

    with pytest.raises(Exception):
        media.blob_read(second)
