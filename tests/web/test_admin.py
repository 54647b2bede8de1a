"""Every domain model is registered in the Django admin and its pages render."""
import pytest
from django.contrib import admin
from django.urls import reverse

from liveness.cases.models import AuditEvent, Case, Challenge, Decision, Submission
from liveness.checks.models import Attempt, Check, Score, ThresholdPolicy
from liveness.media.models import MediaBlob
from liveness.partners.models import Partner
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = [Case, Submission, Challenge, Check, Attempt, Score,
                 ThresholdPolicy, Decision, AuditEvent, MediaBlob, Partner]


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m.__name__)
def test_model_is_registered_and_its_list_renders(admin_client, model):
    assert admin.site.is_registered(model)
    CaseFactory()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_audit_events_cannot_be_edited_or_deleted_in_admin(admin_client):
    event = AuditEvent.objects.create(actor_label="test", action="x")
    url = reverse("admin:cases_auditevent_delete", args=[event.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
