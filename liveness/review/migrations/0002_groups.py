"""The dashboard's permissions and its three reviewer groups."""
from django.db import migrations

# Frozen copy (migrations must not import app code that may change later).
PERMISSIONS = {
    "dashboard_view": "Can open the reviewer dashboard (queue, cases, media)",
    "case_decide": "Can decide a case (approve / reject / request retake) and add notes",
    "case_approve_over_failed": "Can approve a case with a failed check (four eyes: supervisor)",
    "audit_view": "Can read and export the audit log",
    "threshold_change": "Can change threshold policies",
    "case_assign_others": "Can assign a case to another reviewer",
}
GROUPS = {
    "reviewer": ["dashboard_view", "case_decide"],
    "supervisor": ["dashboard_view", "case_decide", "case_approve_over_failed", "audit_view", "case_assign_others"],
    "compliance_admin": ["dashboard_view", "audit_view", "threshold_change"],
}


def groups_create(apps, schema_editor):
    """Permissions are normally made after migrate; create them here so the groups can hold them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="review", model="dashboardaccess")
    perms = {}
    for codename, name in PERMISSIONS.items():
        perms[codename], _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name})
    for group_name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*(perms[c] for c in codenames))


def groups_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(groups_create, groups_delete)]
