"""The ``case.consent_withdrawn`` event. Endpoints that took every event (the default) get it too;
an endpoint that chose some events keeps its choice."""
from django.db import migrations, models

OLD_EVENTS = {"case.checks_completed", "case.decided", "case.retake_requested"}
NEW_EVENT = "case.consent_withdrawn"


def subscribe_all_event_endpoints(apps, schema_editor) -> None:
    endpoint_model = apps.get_model("partners", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all():
        if set(endpoint.events) >= OLD_EVENTS and NEW_EVENT not in endpoint.events:
            endpoint.events = [*endpoint.events, NEW_EVENT]
            endpoint.save(update_fields=["events"])


def unsubscribe(apps, schema_editor) -> None:
    endpoint_model = apps.get_model("partners", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all():
        if NEW_EVENT in endpoint.events:
            endpoint.events = [e for e in endpoint.events if e != NEW_EVENT]
            endpoint.save(update_fields=["events"])


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0002_delivery_last_attempt_from_attempts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookdelivery',
            name='event',
            field=models.CharField(choices=[('case.checks_completed', 'Checks completed (the case left processing)'), ('case.decided', 'Decided (approved or rejected)'), ('case.retake_requested', 'Retake requested'), ('case.consent_withdrawn', 'Consent withdrawn (the case ended, its media deleted)')], max_length=50),
        ),
        migrations.RunPython(subscribe_all_event_endpoints, unsubscribe),
    ]
