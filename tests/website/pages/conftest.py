"""Fixtures of the CMS tests: the page tree, published updates, Q&A threads."""

import datetime

import pytest
from wagtail.models import Page

from directory.models import InterestKind, TopicInterest
from website.pages.models import (
    AffectedQuestion,
    FaqIndexPage,
    HomePage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
    ResourceIndexPage,
)


@pytest.fixture
def make_home_member(make_user, make_person, make_structure, make_position, make_topic):
    """A member whose entry fills the home page's own lists: a position in the structure
    `structure` (« Questions adressées ») and an interest, or a confirmed expertise, in the
    topic `topic` (« Sans réponse dans vos sujets », « À revérifier »). Returns the user, the
    structure and the topic."""

    def make(*, structure, topic, kind=InterestKind.INTEREST, **user_fields):
        user = make_user(**user_fields)
        person = make_person(user=user)
        place = make_structure(name=structure)
        make_position(person=person, structure=place)
        subject = make_topic(name=topic)
        TopicInterest.objects.create(person=person, topic=subject, kind=kind)
        return user, place, subject

    return make


@pytest.fixture
def home(db):
    return HomePage.objects.get()


def _index(home, model, slug, title):
    page = model.objects.first()
    if page is None:
        page = model(title=title, slug=slug)
        home.add_child(instance=page)
        page.save_revision().publish()
    return page


@pytest.fixture
def regulatory_index(home):
    return _index(home, RegulatoryIndexPage, "veille", "Veille réglementaire")


@pytest.fixture
def faq_index(home):
    return _index(home, FaqIndexPage, "faq", "Foire aux questions")


@pytest.fixture
def resource_index(home):
    return _index(home, ResourceIndexPage, "ressources", "Centre de ressources")


@pytest.fixture
def make_question(db, make_user, make_topic):
    """`make_question(topics=[...], author=..., title=...)` through the Q&A service."""
    from qa.services import question_create

    counter = {"n": 0}

    def build(topics=None, author=None, title=None, **kwargs):
        counter["n"] += 1
        return question_create(
            author=author or make_user(),
            title=title or f"Comment mutualiser le service numéro {counter['n']} ?",
            body="Nous cherchons une solution pour notre petite commune.",
            topics=topics or [make_topic()],
            **kwargs,
        )

    return build


@pytest.fixture
def make_answer(db, make_user):
    from qa.services import answer_create

    def build(question, author=None, body="Voici ce que nous avons fait chez nous."):
        return answer_create(question=question, author=author or make_user(), body=body)

    return build


@pytest.fixture
def make_update(regulatory_index, make_topic):
    """`make_update(topics=[...], questions=[...], publish=True, **fields)`."""
    counter = {"n": 0}

    def build(topics=None, questions=(), publish=True, **fields):
        counter["n"] += 1
        values = {
            "title": f"Nouveau texte {counter['n']}",
            "slug": f"nouveau-texte-{counter['n']}",
            "kind": RegulatoryKind.LAW,
            "official_reference": f"Loi n° 2026-{counter['n']} du 1er octobre 2026",
            "publication_date": datetime.date(2026, 10, 1),
            "summary": "Ce qui change : les communes délibèrent avant la fin de l'année.",
            **fields,
        }
        update = RegulatoryUpdatePage(**values)
        update.topics = topics or [make_topic()]
        update.affected_questions = [AffectedQuestion(question=q) for q in questions]
        update.live = publish
        regulatory_index.add_child(instance=update)
        revision = update.save_revision()
        if publish:
            revision.publish()
        return RegulatoryUpdatePage.objects.get(pk=update.pk)

    return build


@pytest.fixture
def make_expert(make_user, make_person):
    """`make_expert(topics=[...])`: an Experts member with a directory expertise."""
    from directory.models import InterestKind, TopicInterest

    def build(topics, **kwargs):
        user = make_user(roles=["Experts"], **kwargs)
        person = make_person(user=user)
        for topic in topics:
            TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.EXPERTISE)
        return user

    return build


def root_page():
    return Page.objects.get(depth=1)
