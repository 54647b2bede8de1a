"""Django admin for operators. Biometric media is never rendered here: only metadata."""
from django.contrib import admin

from .models import MediaBlob


@admin.register(MediaBlob)
class MediaBlobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "content_type", "size", "width", "height", "key_id", "created_at", "purged_at"]
    list_filter = ["kind", "key_id"]
    readonly_fields = [f.name for f in MediaBlob._meta.fields]
