"""factory_boy factories for the CRM core. Create rows inside a company scope (see conftest)."""

import factory

from gymsales.models import Club, Company, Person, Role, User
from whatsapp.models import WhatsAppSettings

PASSWORD = "test-pass-1234"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Gym Co {n}")
    time_zone = "Europe/London"
    default_country = "GB"
    whatsapp = factory.RelatedFactory(
        "tests.factories.WhatsAppSettingsFactory", factory_related_name="company"
    )


class WhatsAppSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhatsAppSettings
        django_get_or_create = ("company",)

    company = factory.SubFactory(CompanyFactory, whatsapp=None)
    enabled = False


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Club {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Staff"
    last_name = factory.Sequence(lambda n: f"Member{n}")
    company = factory.SubFactory(CompanyFactory)
    club = factory.SubFactory(ClubFactory, company=factory.SelfAttribute("..company"))
    role = Role.SALES

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    company = factory.SubFactory(CompanyFactory)
    club = factory.SubFactory(ClubFactory, company=factory.SelfAttribute("..company"))
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Lee"
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone_mobile = factory.Sequence(lambda n: f"+4479111{n % 100000:05d}")
