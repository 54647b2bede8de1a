"""Stored biometric media: one row per encrypted file (see ``liveness.media.files``)."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class MediaKind(models.TextChoices):
    SELFIE = "selfie", "Selfie"
    VIDEO = "video", "Digit video"
    CARD = "card", "ID-card photo"
    BEST_FRAME = "best_frame", "Best frame (returned)"
    FACE_CROP = "face_crop", "Face crop (returned)"


class MediaBlob(models.Model):
    """Biometric media, AES-GCM encrypted in storage (see ``liveness.media``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=MediaKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Plaintext bytes")
    sha256 = models.CharField(max_length=64, help_text="Of the plaintext")
    key_id = models.CharField(max_length=50)
    file = models.FileField(upload_to="blobs/", max_length=300)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
