"""A person may withdraw their consent: Consent.withdrawn_at and the final case state "withdrawn"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_submission_camera_motion'),
    ]

    operations = [
        migrations.AddField(
            model_name='consent',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, help_text='When the person withdrew it (their media was deleted then)', null=True),
        ),
        migrations.AlterField(
            model_name='case',
            name='state',
            field=models.CharField(choices=[('awaiting_submission', 'Awaiting submission'), ('processing', 'Processing'), ('manual_review', 'Manual review'), ('retake_requested', 'Retake requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Consent withdrawn')], default='awaiting_submission', max_length=30),
        ),
    ]
