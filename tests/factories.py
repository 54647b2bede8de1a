import factory
from django.contrib.auth import get_user_model

from liveness.cases.models import Case, CaseKind, Consent, ConsentSource
from liveness.partners.models import Partner


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reviewer{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")


class CaseFactory(factory.django.DjangoModelFactory):
    """A case whose person already accepted the capture page's privacy notice (uploads need it);
    ``CaseFactory(consent=False)`` for one without."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    kind = CaseKind.SELFIE
    reference = factory.Sequence(lambda n: f"ref-{n}")

    @factory.post_generation
    def consent(case, create, extracted, **kwargs):
        if create and extracted is not False:
            Consent.objects.create(case=case, notice_version="test", source=ConsentSource.CAPTURE_PAGE,
                                   actor_label="test")
