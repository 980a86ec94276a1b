"""A person's current positions have one order (`directory.selectors.current_positions`): the
thread's byline, the question's author context and the directory show the same one first.

They once had two orders under the same `current_positions` attribute (latest first for Q&A,
record order in the directory), so a secretary of two communes appeared under a different
position depending on the page.
"""

import datetime

import pytest
from django.urls import reverse

from directory.selectors import current_position, current_positions_prefetch
from qa import services as qa_services

pytestmark = pytest.mark.django_db

OLDER = "Secrétaire de mairie"
NEWER = "Directrice générale des services"


@pytest.fixture
def secretary(make_user, make_person, make_position, make_structure):
    """A listed member holding two positions, the latest begun recorded last."""
    user = make_user(first_name="Agnès", last_name="Double")
    person = make_person(user=user, first_name="Agnès", last_name="Double", is_listed=True)
    make_position(
        person=person,
        structure=make_structure(name="Commune de Sainte-Anne"),
        function=OLDER,
        start_date=datetime.date(2019, 3, 1),
    )
    make_position(
        person=person,
        structure=make_structure(name="Communauté de communes du Val"),
        function=NEWER,
        start_date=datetime.date(2023, 9, 1),
    )
    return user


def test_the_first_current_position_is_the_latest_begun(secretary):
    position = current_position(secretary.person)
    assert position.function == NEWER
    person = (
        type(secretary.person)
        .objects.prefetch_related(current_positions_prefetch())
        .get(pk=secretary.person.pk)
    )
    assert [p.function for p in person.current_positions] == [NEWER, OLDER]


def test_the_thread_and_the_directory_show_the_positions_in_the_same_order(
    client, member, secretary, make_topic
):
    question = qa_services.question_create(
        author=secretary,
        title="Qui signe les arrêtés de voirie ?",
        body="Entre la commune et la communauté de communes.",
        topics=[make_topic()],
    )
    assert question.author_function == NEWER
    client.force_login(member)

    thread = client.get(question.get_absolute_url()).content.decode()
    assert NEWER in thread and OLDER not in thread  # the byline shows the first one only

    entry = client.get(reverse("directory:person_detail", args=[secretary.person.pk]))
    body = entry.content.decode()
    assert body.index(NEWER) < body.index(OLDER)
