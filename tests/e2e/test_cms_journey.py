"""CMS journey: a regulatory update makes two answers stale; experts re-check; FAQ; resources.

An editor writes a regulatory update in the Wagtail admin, picks the two Q&A threads it
affects and submits it; a second editor approves it (the submitter could not); the threads
show the "à revérifier" banner; the expert is notified and re-validates one thread. A
moderator promotes a thread to the FAQ; a visitor cannot download a members-only document.
Every site page visited passes axe (the Wagtail admin pages are Wagtail's own).
"""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtail.documents import get_document_model
from wagtail.models import Collection

from directory.models import InterestKind, TopicInterest
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory
from website.pages.models import (
    FaqIndexPage,
    HomePage,
    QuestionRecheck,
    RegulatoryIndexPage,
    RegulatoryUpdatePage,
    ResourceDocument,
    ResourceIndexPage,
    ResourcePage,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def site(make_user, make_topic):
    from qa.services import answer_accept, answer_create, question_create

    topic = make_topic(name="Urbanisme")
    asker = make_user(email="secretaire.e2e@example.org", first_name="Noémie")
    expert = make_user(roles=["Experts"], email="expert.e2e@example.org", first_name="Ophélie")
    person = PersonFactory(user=expert, first_name="Ophélie", last_name="Plansol")
    TopicInterest.objects.create(person=person, topic=topic, kind=InterestKind.EXPERTISE)
    questions = [
        question_create(
            author=asker,
            title=title,
            body="Notre commune compte 300 habitants, dans une CC de 11 000 habitants.",
            topics=[topic],
        )
        for title in (
            "Qui instruit nos permis de construire ?",
            "Peut-on garder notre PLU communal ?",
        )
    ]
    answers = [
        answer_create(question=q, author=expert, body="La DDT le fait gratuitement.")
        for q in questions
    ]
    answer_accept(answer=answers[0], by=asker)

    home = HomePage.objects.get()
    veille = _publish(home, RegulatoryIndexPage(title="Veille réglementaire", slug="veille"))
    _publish(home, FaqIndexPage(title="Foire aux questions", slug="faq"))
    resources = _publish(home, ResourceIndexPage(title="Centre de ressources", slug="ressources"))
    private = get_document_model()(
        title="Délibération type ADS",
        collection=Collection.objects.get(name="Documents réservés aux membres"),
    )
    private.file.save("deliberation-ads.txt", ContentFile(b"Modele de deliberation."), save=False)
    private.save()
    resource = ResourcePage(title="Modèles pour l'ADS", slug="modeles-ads", topic=topic)
    resource.documents = [ResourceDocument(document=private)]
    _publish(resources, resource)
    return {
        "topic": topic,
        "questions": questions,
        "expert": expert,
        "asker": asker,
        "veille": veille,
        "document": private,
        "resource": resource,
        "editors": [
            make_user(roles=["Éditeurs"], email="editeur.e2e@example.org"),
            make_user(roles=["Éditeurs"], email="editrice.e2e@example.org"),
        ],
        "moderator": make_user(roles=["Modérateurs"], email="moderatrice.e2e@example.org"),
    }


def _choose_question(admin, index, title):
    admin.locator("#id_affected_questions-ADD").click()
    form = admin.locator(f"#inline_child_affected_questions-{index}")
    form.get_by_role("button", name="Choisir une question").click()
    modal = admin.locator(".modal-dialog")
    modal.get_by_role("link", name=title).click()
    admin.wait_for_selector(".modal-dialog", state="detached")


def _type_date(admin, selector, value):
    """Type a date as an editor does, then leave the field with Tab. Wagtail's date picker
    opens 100 ms after the field takes the focus and stays open over the form until the
    field is left; one run lost the click on the next field (« Clicking the checkbox did
    not change its state ») while it was open, so the journey closes it as an editor would."""
    field = admin.locator(selector)
    field.fill(value)
    picker = admin.locator(".xdsoft_datetimepicker:visible")
    picker.wait_for()
    field.press("Tab")
    picker.wait_for(state="detached")
    assert field.input_value() == value


def _open_more_actions(admin):
    """Open the footer's « more actions » menu and wait until it is shown: a check that an
    action is absent from it must not run before the menu is there to be read."""
    toggle = admin.locator("footer [data-w-dropdown-target='toggle']").last
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")


@pytest.mark.long
def test_a_regulatory_update_makes_answers_stale_until_an_expert_rechecks(new_page, axe, site):
    first, second = site["questions"]
    author, reviewer = site["editors"]

    # --- An editor writes the update and submits it for review.
    admin = new_page()
    login(admin, author.email, TEST_PASSWORD)
    admin.goto(f"/admin/pages/add/pages/regulatoryupdatepage/{site['veille'].pk}/")
    admin.locator("#id_title").fill("Fin de l'instruction gratuite des permis par l'État")
    admin.locator("#id_kind").select_option("autre")
    admin.locator("#id_official_reference").fill("Article 134 de la loi n° 2014-366")
    _type_date(admin, "#id_publication_date", "2014-03-26")
    _type_date(admin, "#id_effective_date", "2015-07-01")
    admin.get_by_label("Urbanisme").check()
    admin.locator("#id_summary").fill("Les communes instruisent elles-mêmes ou mutualisent.")
    _choose_question(admin, 0, first.title)
    _choose_question(admin, 1, second.title)
    _open_more_actions(admin)
    admin.get_by_role("button", name=re.compile("Soumettre")).click()
    admin.wait_for_url(lambda url: "/add/" not in url)
    update = RegulatoryUpdatePage.objects.get(slug__startswith="fin-de-linstruction")
    assert not update.live
    assert update.current_workflow_task_state is not None

    # The submitter is offered no approval.
    admin.goto(f"/admin/pages/{update.pk}/edit/")
    _open_more_actions(admin)
    assert admin.get_by_role("button", name=re.compile("^Approuver")).count() == 0

    # --- A second editor approves: the update goes live and marks both threads.
    review = new_page()
    login(review, reviewer.email, TEST_PASSWORD)
    review.goto(f"/admin/pages/{update.pk}/edit/")
    _open_more_actions(review)
    # "Approuver" (not "… et Publier"): an approval publishes only the revision it was given
    # on (WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT); here it is the latest one.
    review.get_by_role("button", name="Approuver", exact=True).click()
    review.wait_for_url(lambda url: "/edit/" not in url)
    update.refresh_from_db()
    assert update.live
    assert set(QuestionRecheck.objects.pending().values_list("question_id", flat=True)) == {
        first.pk,
        second.pk,
    }

    # --- The threads show the banner; the update page and the watch list are accessible.
    member = new_page()
    login(member, site["asker"].email, TEST_PASSWORD)
    for question in (first, second):
        member.goto(question.get_absolute_url())
        banner = member.locator(".recheck-banner")
        assert "À revérifier" in banner.inner_text()
        assert banner.get_by_role("link", name=update.title).count() == 1
        axe(member)
    member.goto(update.url)
    assert "Ce qui change pour vous" in member.content()
    axe(member)
    member.goto("/veille/?sujet=urbanisme")
    assert update.title in member.content()
    axe(member)
    member.goto("/")
    axe(member)

    # --- The expert is notified and re-validates the first thread.
    expert = new_page()
    login(expert, site["expert"].email, TEST_PASSWORD)
    expert.goto("/notifications/")
    assert first.title in expert.content()
    axe(expert)
    expert.goto("/")
    assert "À revérifier dans vos sujets" in expert.content()
    axe(expert)
    expert.goto(first.get_absolute_url())
    expert.get_by_label("Note de vérification (facultative)").fill("Toujours exact depuis 2015.")
    expert.get_by_role("button", name=re.compile("Réponses revérifiées")).click()
    # The form posts back to the same thread: wait for the page that confirms the re-check
    # (the old page, still loaded right after the click, has the banner and no such line).
    expect(expert.locator(".recheck-done")).to_contain_text("Vérifiée au regard de")
    expect(expert.locator(".recheck-banner")).to_have_count(0)
    axe(expert)
    assert list(QuestionRecheck.objects.pending().values_list("question_id", flat=True)) == [
        second.pk
    ]

    # --- Moderators see what is still waiting, oldest first.
    moderator = new_page()
    login(moderator, site["moderator"].email, TEST_PASSWORD)
    moderator.goto("/veille/a-reverifier/")
    assert second.title in moderator.content() and first.title not in moderator.content()
    axe(moderator)

    # One test function: a second transactional test in this file would depend on the
    # serialized-rollback restore, which the live server currently breaks (see docs/cms.md).
    _moderator_promotes_to_faq_and_visitor_meets_cms_pages(new_page, axe, site)


def _moderator_promotes_to_faq_and_visitor_meets_cms_pages(new_page, axe, site):
    first = site["questions"][0]
    moderator = new_page()
    login(moderator, site["moderator"].email, TEST_PASSWORD)
    moderator.goto(f"/questions/{first.pk}/moderer/")
    moderator.get_by_role("button", name="Promouvoir en FAQ").click()
    # Leaving for /faq/ before the answer came would cancel the submission or race its commit.
    moderator.wait_for_url(f"**{first.get_absolute_url()}")
    expect(moderator.locator("body")).to_contain_text("La question est ajoutée à la FAQ.")
    moderator.goto("/faq/")
    entry = moderator.locator(f"#question-{first.pk}")
    assert first.title in entry.inner_text()
    assert "DDT" in entry.inner_text()
    axe(moderator)
    moderator.get_by_label("Filtrer les questions de la FAQ").fill("zzz introuvable")
    expect(entry).to_be_hidden()
    moderator.get_by_label("Filtrer les questions de la FAQ").fill("permis")
    expect(entry).to_be_visible()
    axe(moderator)

    visitor = new_page()
    for path in ("/", "/faq/", "/veille/", "/ressources/", "/flux/", "/accessibilite/"):
        visitor.goto(path)
        axe(visitor)
    visitor.goto(site["resource"].url)
    assert "réservé aux membres" in visitor.content()
    axe(visitor)
    response = visitor.request.get(site["document"].url, max_redirects=0)
    assert response.status == 302
    assert "/comptes/login/" in response.headers["location"]
    visitor.goto(site["document"].url)
    assert "/comptes/login/" in visitor.url
    assert "Modele de deliberation" not in visitor.content()
