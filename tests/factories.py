import factory
from django.contrib.auth import get_user_model

from liveness.cases.models import Case, CaseKind
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
    class Meta:
        model = Case

    kind = CaseKind.SELFIE
    reference = factory.Sequence(lambda n: f"ref-{n}")
