"""`experts_for`: the routing hook Q&A and notifications use."""

import datetime

import pytest

from directory.models import InterestKind, Person, Position, TopicInterest
from directory.selectors import experts_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert_in(make_user, make_position):
    def build(structure, topic, *, name, confirmed=True, user=True, **position):
        account = make_user(last_name=name) if user else None
        person = Person.objects.create(first_name="Test", last_name=name, user=account)
        make_position(person=person, structure=structure, **position)
        TopicInterest.objects.create(
            person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=confirmed
        )
        return person

    return build


def test_experts_of_the_askers_cc_come_first_then_the_rest_of_the_pays(
    territory, make_topic, expert_in
):
    topic = make_topic(name="Commande publique")
    far = expert_in(territory["CC du Teillon"], topic, name="Aaron")
    cc_staff = expert_in(territory["CC Moyen Verdon"], topic, name="Zoe")
    commune_staff = expert_in(territory["Barrême"], topic, name="Martin")
    result = experts_for(topics=[topic], structure=territory["Castellane"])
    assert result == [commune_staff, cc_staff, far]


def test_asking_from_a_cc_counts_its_communes_as_near(territory, make_topic, expert_in):
    topic = make_topic(name="Urbanisme")
    far = expert_in(territory["Pays A3V"], topic, name="Aaron")
    near = expert_in(territory["Annot"], topic, name="Zoe")
    assert experts_for(topics=[topic], structure=territory["CC Terres de Lumière"]) == [near, far]


def test_only_confirmed_experts_with_an_active_listed_account_are_returned(
    territory, make_topic, expert_in
):
    topic = make_topic(name="Finances")
    ok = expert_in(territory["Angles"], topic, name="Ok")
    expert_in(territory["Angles"], topic, name="Request", confirmed=False)
    expert_in(territory["Angles"], topic, name="NoAccount", user=False)
    unlisted = expert_in(territory["Angles"], topic, name="Unlisted")
    unlisted.is_listed = False
    unlisted.save()
    inactive = expert_in(territory["Angles"], topic, name="Inactive")
    inactive.user.is_active = False
    inactive.user.save()
    assert experts_for(topics=[topic]) == [ok]


def test_ended_positions_do_not_make_an_expert_near(territory, make_topic, expert_in):
    topic = make_topic(name="Culture")
    former = expert_in(
        territory["Castellane"],
        topic,
        name="Former",
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2014, 1, 1),
    )
    current = expert_in(territory["Rougon"], topic, name="Zed")
    assert experts_for(topics=[topic], structure=territory["Castellane"]) == [current, former]


def test_more_matching_topics_rank_higher_and_the_limit_applies(territory, make_topic, expert_in):
    one, two = make_topic(name="Culture"), make_topic(name="Tourisme")
    single = expert_in(territory["Angles"], one, name="Aaron")
    double = expert_in(territory["Angles"], one, name="Zoe")
    TopicInterest.objects.create(person=double, topic=two, kind=InterestKind.EXPERTISE)
    assert experts_for(topics=[one, two]) == [double, single]
    assert experts_for(topics=[one, two], limit=1) == [double]
    assert experts_for(topics=[]) == []


def test_experts_for_runs_in_a_bounded_number_of_queries(
    territory, make_topic, expert_in, django_assert_max_num_queries
):
    topic = make_topic(name="Culture")
    for index in range(20):
        expert_in(territory["Angles"], topic, name=f"Expert{index}")
    with django_assert_max_num_queries(3):
        result = experts_for(topics=[topic], structure=territory["Castellane"], limit=10)
        assert [person.user.email for person in result]
    assert Position.objects.count() == 20
