"""WebhookDelivery's last_status_code, last_latency_ms and last_error were copies of its latest
attempt row; they are now read from the attempts (liveness.partners.webhooks.history). The one
fact no attempt holds, a cancellation because the endpoint stopped receiving, which last_error
said in words, moves to ``cancelled_while`` first."""
from django.db import migrations, models

CANCELLED = "cancelled:"
IN_FLIGHT = "; the attempt in flight got: "
CLOSED = ("answered", "transient_error", "permanent_error")


def cancellations_keep(apps, schema_editor):
    delivery_model = apps.get_model("partners", "WebhookDelivery")
    cancelled = delivery_model.objects.filter(last_error__startswith=CANCELLED)
    cancelled.filter(last_error__contains=IN_FLIGHT).update(cancelled_while="in_flight")
    cancelled.exclude(last_error__contains=IN_FLIGHT).update(cancelled_while="pending")


def last_attempt_copy(apps, schema_editor):
    """Backwards: the copies again, from the latest recorded attempt (cancellations in words)."""
    delivery_model = apps.get_model("partners", "WebhookDelivery")
    attempt_model = apps.get_model("partners", "DeliveryAttempt")
    for delivery in delivery_model.objects.iterator():
        last = (attempt_model.objects.filter(delivery=delivery, outcome__in=CLOSED).order_by("-number").first())
        delivery.last_status_code = last.http_status if last else None
        delivery.last_latency_ms = last.latency_ms if last else None
        delivery.last_error = last.error_message if last else ""
        if delivery.cancelled_while and delivery.status != "done":
            delivery.last_error = ("cancelled: the endpoint was deactivated or deleted before this was delivered "
                                   "(reactivate it and redeliver to send it)")
        delivery.save(update_fields=["last_status_code", "last_latency_ms", "last_error"])


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookdelivery',
            name='cancelled_while',
            field=models.CharField(blank=True, choices=[('', 'Not cancelled'), ('pending', 'Pending'), ('in_flight', 'In flight')], help_text='Cancelled because its endpoint stopped receiving: what the delivery was doing then', max_length=20),
        ),
        migrations.RunPython(cancellations_keep, last_attempt_copy),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='last_error',
        ),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='last_latency_ms',
        ),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='last_status_code',
        ),
    ]
