"""Every domain model is registered in the Django admin and its pages render."""
import pytest
from django.contrib import admin
from django.urls import reverse

from liveness import models
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = [models.Case, models.Submission, models.Challenge, models.Check, models.Attempt, models.Score,
                 models.ThresholdPolicy, models.Decision, models.AuditEvent, models.MediaBlob, models.Partner]


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m.__name__)
def test_model_is_registered_and_its_list_renders(admin_client, model):
    assert admin.site.is_registered(model)
    CaseFactory()
    url = reverse(f"admin:liveness_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_audit_events_cannot_be_edited_or_deleted_in_admin(admin_client):
    event = models.AuditEvent.objects.create(actor_label="test", action="x")
    url = reverse("admin:liveness_auditevent_delete", args=[event.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert models.AuditEvent.objects.filter(pk=event.pk).exists()
