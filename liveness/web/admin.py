"""What every app's admin shares."""
from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """An admin page that shows rows and never changes them: no add, no change, no delete, for
    anyone, superusers included. For audited records (threshold policies, decisions, checks, scores,
    attempts, cases): they change only through their services, which version them and write the
    audit event; an edit in place here would rewrite history with no trace."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
