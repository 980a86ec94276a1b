"""factory-boy factories for every layer; fixtures in conftest.py wrap them."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from directory.models import (
    InterestKind,
    Person,
    Position,
    PositionKind,
    Structure,
    StructureKind,
    TopicInterest,
    User,
)
from taxonomy.models import Topic

TEST_PASSWORD = "motdepasse-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"membre{n}@example.org")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    approved_at = factory.LazyFunction(timezone.now)
    # Hashed before the row is inserted (`password=` is hashed too): no second save for it.
    password = factory.Transformer(TEST_PASSWORD, transform=make_password)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        names = list(extracted or [])
        if self.approved_at and "Membres" not in names:
            names.append("Membres")
        if create:
            self.groups.add(*Group.objects.filter(name__in=names))
            # A new account has no address row yet: no lookup before the insert.
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Sujet {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "Un sujet de test."


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = StructureKind.COMMUNE


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    structure = factory.SubFactory(StructureFactory)
    function = "Secrétaire de mairie"
    kind = PositionKind.AGENT


def topic_expert(topic, **kwargs):
    """An account in the Experts group whose directory entry has expertise on `topic`."""
    user = UserFactory(roles=["Experts"], **kwargs)
    person = PersonFactory(user=user)
    TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.EXPERTISE)
    return user
