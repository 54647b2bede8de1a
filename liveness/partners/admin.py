"""Django admin for operators. Biometric media is never rendered here: only metadata."""
from django.contrib import admin

from .models import Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
