"""Media on S3-compatible object storage (django-storages' S3Storage), against a real S3 server:
moto's server mode on a loopback port, in a thread of the test process. No network.

The storage options are those ``kyc_portal/settings/storage.py`` builds from ``MEDIA_S3_*``; the
settings code itself is exercised in a subprocess (``test_settings_*``), the application paths
in-process with the same options: upload through the partner API, the local engine reading the
selfie and writing its face crop, the API reading that back, retention purge, key rotation, and
the directory listing an orphan sweep walks.
"""
from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image, UnidentifiedImageError
from rest_framework.test import APIClient

from liveness.media import sealing
from liveness.cases.models import Case, CaseState
from liveness.checks import services
from liveness.checks.models import Check
from liveness.media import files as media
from liveness.media import retention
from liveness.media.models import MediaBlob, MediaKind
from liveness.partners import keys as partner_keys
from tests.consent import consent_by_api
from tests.conftest import ROOT
from tests.factories import PartnerFactory
from tests.mediagen import selfie_jpeg

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing-kyc", "AWS_SECRET_ACCESS_KEY": "testing-kyc-secret"}
PREFIX = "kyc-media"
S3_BACKEND = "storages.backends.s3.S3Storage"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint):
    """A fresh private bucket and a raw boto3 client to look inside it."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION,
                          aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    name = f"kyc-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    client.bucket_name = name
    return client


@pytest.fixture
def s3_media(settings, bucket, s3_endpoint):
    """``default_storage`` is the S3 backend with the options settings/storage.py builds for
    MEDIA_S3_BUCKET, MEDIA_S3_ENDPOINT_URL, MEDIA_S3_REGION, MEDIA_S3_PREFIX and path addressing."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": S3_BACKEND, "OPTIONS": {
        "bucket_name": bucket.bucket_name, "endpoint_url": s3_endpoint, "region_name": REGION, "location": PREFIX,
        "default_acl": None, "querystring_auth": False, "file_overwrite": True,
        "access_key": CREDENTIALS["AWS_ACCESS_KEY_ID"], "secret_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "client_config": Config(signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=5,
                                read_timeout=5, retries={"mode": "standard", "max_attempts": 3}),
    }}}
    assert default_storage.bucket_name == bucket.bucket_name  # the lazy default storage was rebuilt
    return bucket


def _keys(bucket) -> list[str]:
    return sorted(o["Key"] for o in bucket.list_objects_v2(Bucket=bucket.bucket_name).get("Contents", []))


def _object(bucket, key: str) -> bytes:
    return bucket.get_object(Bucket=bucket.bucket_name, Key=key)["Body"].read()


def _assert_sealed(raw: bytes) -> None:
    assert raw.startswith(sealing.MAGIC)
    assert b"\xff\xd8\xff" not in raw[:64] and b"JFIF" not in raw and b"Exif" not in raw
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(raw))


def _partner_client() -> APIClient:
    _, raw = partner_keys.key_create(partner=PartnerFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.django_db
def test_selfie_from_the_api_is_sealed_in_the_bucket_and_the_engine_and_the_api_read_it_back(s3_media):
    api = _partner_client()
    case_id = api.post("/api/v1/cases", {"kind": "selfie", "reference": "s3-1"}, format="json").json()["id"]
    consent_by_api(api, case_id)
    upload = selfie_jpeg()

    response = api.post(f"/api/v1/cases/{case_id}/selfie", {"selfie": io.BytesIO(upload)}, format="multipart")

    assert response.status_code == 202, response.content
    case = Case.objects.get(public_id=case_id)
    selfie = case.submissions.get().selfie
    keys = _keys(s3_media)
    assert keys == [f"{PREFIX}/{selfie.file.name}"]
    assert selfie.file.name.startswith(f"blobs/{timezone.now():%Y/%m}/{selfie.pk}")
    _assert_sealed(_object(s3_media, keys[0]))
    stored_jpeg = media.blob_read(selfie)
    assert Image.open(io.BytesIO(stored_jpeg)).size == (600, 800)

    # The check, as a worker runs it: the local engine loads the selfie from the bucket and
    # stores the face crop it returns there, sealed too.
    check = Check.objects.get(case=case)
    assert services.check_run(check_id=check.pk, worker="test").outcome is services.RunOutcome.DONE
    check.refresh_from_db()
    assert check.face_crop is not None
    crop_key = f"{PREFIX}/{check.face_crop.file.name}"
    assert crop_key in _keys(s3_media)
    _assert_sealed(_object(s3_media, crop_key))

    # ... and the partner reads it through the API, decrypted from the bucket.
    detail = api.get(f"/api/v1/cases/{case_id}?include=photos").json()
    crops = [p for p in detail["photos"] if p["role"] == "face_crop"]
    assert len(crops) == 1
    assert base64.b64decode(crops[0]["data_base64"]) == media.blob_read(check.face_crop)
    assert Image.open(io.BytesIO(base64.b64decode(crops[0]["data_base64"]))).format == "JPEG"


@pytest.mark.django_db
def test_objects_are_private_to_the_bucket_owner(s3_media):
    blob = media.blob_store(data=b"x" * 100, kind=MediaKind.SELFIE, content_type="image/jpeg")

    acl = s3_media.get_object_acl(Bucket=s3_media.bucket_name, Key=f"{PREFIX}/{blob.file.name}")
    grantees = {(g["Grantee"].get("URI", g["Grantee"].get("ID")), g["Permission"]) for g in acl["Grants"]}
    assert all("AllUsers" not in str(uri) and "AuthenticatedUsers" not in str(uri) for uri, _ in grantees)
    assert default_storage.url(blob.file.name).count("Signature") == 0  # never a presigned URL


@pytest.mark.django_db
def test_retention_purge_deletes_the_objects(s3_media, settings):
    settings.KYC_RETENTION_DAYS = {"approved": 30}
    old = Case.objects.create(kind="selfie", state=CaseState.APPROVED,
                              state_changed_at=timezone.now() - timedelta(days=31))
    selfie = media.blob_store(data=b"old selfie", kind=MediaKind.SELFIE, content_type="image/jpeg")
    old.submissions.create(kind="selfie", selfie=selfie)
    recent = Case.objects.create(kind="selfie", state=CaseState.APPROVED, state_changed_at=timezone.now())
    kept = media.blob_store(data=b"recent selfie", kind=MediaKind.SELFIE, content_type="image/jpeg")
    recent.submissions.create(kind="selfie", selfie=kept)
    assert default_storage.exists(selfie.file.name)

    report = retention.media_purge_expired()

    assert report.cases == [old.pk] and report.blobs == 1
    assert _keys(s3_media) == [f"{PREFIX}/{kept.file.name}"]
    assert not default_storage.exists(selfie.file.name)
    selfie.refresh_from_db()
    assert selfie.purged_at is not None
    with pytest.raises(FileNotFoundError):
        media.blob_read(selfie)
    default_storage.delete(selfie.file.name)  # deleting a missing object is a no-op, as retention relies on


@pytest.mark.django_db
def test_key_rotation_rewrites_the_objects_and_deletes_the_old_ones(s3_media, settings, capsys):
    old_key, new_key = os.urandom(32), os.urandom(32)
    settings.MEDIA_ENCRYPTION_KEYS, settings.MEDIA_ACTIVE_KEY_ID = {"old": old_key}, "old"
    blobs = [media.blob_store(data=f"plaintext {i}".encode() * 40, kind=MediaKind.SELFIE,
                              content_type="image/jpeg") for i in range(3)]
    before = {b.pk: _object(s3_media, f"{PREFIX}/{b.file.name}") for b in blobs}
    settings.MEDIA_ENCRYPTION_KEYS, settings.MEDIA_ACTIVE_KEY_ID = {"new": new_key, "old": old_key}, "new"

    call_command("media_rotate_keys", "--batch-size", "2")

    assert "re-encrypted: 3; failed: 0; remaining: 0" in capsys.readouterr().out
    settings.MEDIA_ENCRYPTION_KEYS = {"new": new_key}  # the old key is gone
    rotated = list(MediaBlob.objects.order_by("created_at"))
    assert _keys(s3_media) == sorted(f"{PREFIX}/{b.file.name}" for b in rotated)
    for blob in rotated:
        assert blob.key_id == "new" and blob.file.name.endswith(".new.bin")
        raw = _object(s3_media, f"{PREFIX}/{blob.file.name}")
        assert raw != before[blob.pk]
        _assert_sealed(raw)
        assert media.blob_read(blob).startswith(b"plaintext ")


@pytest.mark.django_db
def test_listing_the_blob_tree_matches_the_filesystem_backend(s3_media, tmp_path):
    """What an orphan sweep walks (``listdir`` year / month / files) looks the same on S3 and on disk,
    except that S3 has no empty directories: a missing prefix lists as empty instead of raising."""
    blobs = [media.blob_store(data=b"a", kind=MediaKind.SELFIE, content_type="image/jpeg") for _ in range(2)]
    disk = FileSystemStorage(location=tmp_path)
    for blob in blobs:
        disk.save(blob.file.name, io.BytesIO(b"sealed"))
    year, month = f"{timezone.now():%Y}", f"{timezone.now():%m}"

    for storage in (default_storage, disk):
        assert storage.listdir("") == (["blobs"], [])
        assert storage.listdir("blobs") == ([year], [])
        assert storage.listdir(f"blobs/{year}") == ([month], [])
        dirs, files = storage.listdir(f"blobs/{year}/{month}")
        assert dirs == [] and sorted(files) == sorted(b.file.name.rsplit("/", 1)[1] for b in blobs)
        assert all(storage.exists(b.file.name) for b in blobs)
    assert default_storage.listdir("blobs/1999") == ([], [])


# --- the settings themselves (a fresh process reads the environment) -------------------------

def _django(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("KYC_", "MEDIA_", "AWS_", "DATABASE_URL", "SECRET_KEY"))}
    return subprocess.run([sys.executable, "-c", f"import django; django.setup()\n{code}"], cwd=ROOT,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **env},
                          capture_output=True, text=True, timeout=90, check=False)


def test_settings_refuse_the_s3_backend_without_a_bucket():
    result = _django("", MEDIA_STORAGE_BACKEND=S3_BACKEND)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "MEDIA_S3_BUCKET must be set" in result.stderr


def test_settings_refuse_half_a_key_pair():
    result = _django("", MEDIA_STORAGE_BACKEND=S3_BACKEND, MEDIA_S3_BUCKET="b", AWS_ACCESS_KEY_ID="only-one")

    assert result.returncode != 0 and "AWS_SECRET_ACCESS_KEY" in result.stderr


def test_settings_from_the_environment_store_into_an_s3_compatible_server(bucket, s3_endpoint):
    """MEDIA_S3_* and the standard AWS credential variables are all it takes (path addressing,
    as MinIO and Ceph want; a key prefix)."""
    code = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage as s\n"
        "name = s.save('blobs/2030/01/probe.bin', ContentFile(b'sealed-bytes'))\n"
        "print(type(s._wrapped).__name__, name, s.exists(name), s.listdir('blobs/2030/01')[1],\n"
        "      s.querystring_auth, s.default_acl, s.client_config.connect_timeout)\n"
    )
    result = _django(code, MEDIA_STORAGE_BACKEND=S3_BACKEND, MEDIA_S3_BUCKET=bucket.bucket_name,
                     MEDIA_S3_ENDPOINT_URL=s3_endpoint, MEDIA_S3_REGION=REGION, MEDIA_S3_PREFIX="/tenant-a/",
                     MEDIA_S3_ADDRESSING_STYLE="path", MEDIA_S3_TIMEOUT="3", **CREDENTIALS)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "blobs/2030/01/probe.bin", "True", "['probe.bin']", "False",
                                     "None", "3.0"]
    assert _keys(bucket) == ["tenant-a/blobs/2030/01/probe.bin"]
    assert _object(bucket, "tenant-a/blobs/2030/01/probe.bin") == b"sealed-bytes"
