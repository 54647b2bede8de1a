"""media_rotate_keys: re-encrypt under the active key, then the old key can be dropped."""
import base64
import os
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from liveness.media import files as media
from liveness.media import sealing
from liveness.media.models import MediaBlob, MediaKind

pytestmark = pytest.mark.django_db

OLD, NEW = os.urandom(32), os.urandom(32)


def _use_keys(settings, **by_kid):
    settings.MEDIA_ENCRYPTION_KEYS = dict(by_kid)
    settings.MEDIA_ACTIVE_KEY_ID = next(iter(by_kid))


def _store(n):
    return [media.blob_store(data=f"plaintext {i} ".encode() * 50, kind=MediaKind.SELFIE, content_type="image/jpeg")
            for i in range(n)]


def _raw(blob):
    with default_storage.open(blob.file.name, "rb") as handle:
        return handle.read()


def test_rotation_reencrypts_every_blob_and_the_old_key_can_then_be_removed(settings, capsys):
    _use_keys(settings, old=OLD)
    blobs = _store(5)
    plaintexts = {b.pk: media.blob_read(b) for b in blobs}
    old_files = {b.pk: b.file.name for b in blobs}
    _use_keys(settings, new=NEW, old=OLD)  # new key first = active; old kept for reading

    call_command("media_rotate_keys", "--batch-size", "2")

    out = capsys.readouterr().out
    assert "re-encrypted: 5; failed: 0; remaining: 0" in out
    _use_keys(settings, new=NEW)  # old key removed from settings
    for blob in MediaBlob.objects.all():
        assert blob.key_id == "new"
        assert blob.file.name != old_files[blob.pk]
        assert not default_storage.exists(old_files[blob.pk])  # old ciphertext deleted
        assert media.blob_read(blob) == plaintexts[blob.pk]
        assert plaintexts[blob.pk] not in _raw(blob)


def test_rotation_is_idempotent_and_skips_purged_blobs(settings, capsys):
    _use_keys(settings, old=OLD)
    live, purged = _store(2)
    MediaBlob.objects.filter(pk=purged.pk).update(purged_at="2020-01-01T00:00:00Z")
    _use_keys(settings, new=NEW, old=OLD)

    call_command("media_rotate_keys")
    call_command("media_rotate_keys")

    out = capsys.readouterr().out
    assert "re-encrypted: 1; failed: 0; remaining: 0" in out
    assert "re-encrypted: 0; failed: 0; remaining: 0" in out
    assert MediaBlob.objects.get(pk=live.pk).key_id == "new"
    assert MediaBlob.objects.get(pk=purged.pk).key_id == "old"


def test_dry_run_changes_nothing(settings, capsys):
    _use_keys(settings, old=OLD)
    blob = _store(1)[0]
    before = _raw(blob)
    _use_keys(settings, new=NEW, old=OLD)

    call_command("media_rotate_keys", "--dry-run")

    assert "dry run: 1 would be re-encrypted" in capsys.readouterr().out
    blob.refresh_from_db()
    assert blob.key_id == "old" and _raw(blob) == before


def test_a_crash_before_the_row_update_leaves_the_blob_readable_and_a_rerun_finishes(settings):
    _use_keys(settings, old=OLD)
    blobs = _store(3)
    plaintexts = {b.pk: media.blob_read(b) for b in blobs}
    _use_keys(settings, new=NEW, old=OLD)
    real_switch = sealing._row_switch
    calls = {"n": 0}

    def crash_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash between writing the new file and updating the row")
        return real_switch(**kwargs)

    with mock.patch.object(sealing, "_row_switch", crash_on_second), pytest.raises(CommandError, match="1 blob"):
        call_command("media_rotate_keys")

    states = sorted(MediaBlob.objects.values_list("key_id", flat=True))
    assert states == ["new", "new", "old"]
    for blob in MediaBlob.objects.all():  # each row still decrypts with the key it names
        assert media.blob_read(blob) == plaintexts[blob.pk]
    # the failed blob's half-written new file was removed: one file per blob on disk
    files = [name for _, _, names in os.walk(settings.MEDIA_ROOT) for name in names]
    assert sum(1 for f in files if any(str(b.pk) in f for b in blobs)) == 3

    call_command("media_rotate_keys")  # resume

    _use_keys(settings, new=NEW)
    assert set(MediaBlob.objects.values_list("key_id", flat=True)) == {"new"}
    for blob in MediaBlob.objects.all():
        assert media.blob_read(blob) == plaintexts[blob.pk]


def test_a_tampered_file_is_reported_and_not_rotated(settings, capsys):
    _use_keys(settings, old=OLD)
    good, bad = _store(2)
    sealed = bytearray(_raw(bad))
    sealed[-1] ^= 1
    with default_storage.open(bad.file.name, "wb") as handle:
        handle.write(bytes(sealed))
    _use_keys(settings, new=NEW, old=OLD)

    with pytest.raises(CommandError):
        call_command("media_rotate_keys")

    captured = capsys.readouterr()
    assert str(bad.pk) in captured.err and "InvalidTag" in captured.err
    assert MediaBlob.objects.get(pk=good.pk).key_id == "new"
    assert MediaBlob.objects.get(pk=bad.pk).key_id == "old"


def test_settings_parse_rotation_order():
    from kyc_portal.settings.storage import media_keys as _media_keys

    raw = f"k2:{base64.b64encode(NEW).decode()},k1:{base64.b64encode(OLD).decode()}"
    assert list(_media_keys(raw)) == ["k2", "k1"]


def test_rotation_reads_and_writes_storage_before_it_locks_the_row(transactional_db, settings, monkeypatch):
    """The slow part (decrypt, re-seal, write, read back) runs with no row lock held: while the new
    file is being written, another connection can lock the blob's row at once (NOWAIT)."""
    import threading

    from django.core.files.storage import FileSystemStorage
    from django.db import connection, transaction

    _use_keys(settings, old=OLD)
    [blob] = _store(1)
    _use_keys(settings, new=NEW, old=OLD)
    real_save = FileSystemStorage.save
    probes = []

    def lock_from_another_connection():
        try:
            with transaction.atomic():
                MediaBlob.objects.select_for_update(nowait=True).get(pk=blob.pk)
            probes.append("free")
        except Exception as exc:  # noqa: BLE001 - the probe's answer
            probes.append(f"locked: {type(exc).__name__}")
        finally:
            connection.close()

    def save_and_probe(self, name, content, *args, **kwargs):
        thread = threading.Thread(target=lock_from_another_connection)
        thread.start()
        thread.join(timeout=30)
        return real_save(self, name, content, *args, **kwargs)

    monkeypatch.setattr(FileSystemStorage, "save", save_and_probe)
    assert sealing.blob_rotate(blob.pk) is True
    assert probes == ["free"] and MediaBlob.objects.get(pk=blob.pk).key_id == "new"
