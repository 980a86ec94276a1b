"""Agenda proposals are in search, on both backends, as the agenda is readable."""

import pytest

from qa.agenda import services as agenda_services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def hits(backend, user, query, **extra):
    results = backend.search(SearchRequest(query=query, principals=principals_for(user), **extra))
    return {(hit.kind, hit.title, hit.url) for hit in results.hits}


def test_a_proposal_is_found_once_committed_and_leaves_when_withdrawn(
    search_backend, member, make_topic, visitor, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = agenda_services.proposal_create(
            author=member,
            title="Mutualiser le déneigement des routes communales",
            rationale="Chaque commune loue sa lame chaque hiver.",
            topics=[make_topic(name="Voirie")],
        )
    found = {("proposal", proposal.title, proposal.get_absolute_url())}
    assert hits(search_backend, member, "déneigement") == found
    # French stemming, as for questions: « lames » finds « lame » in the rationale.
    assert hits(search_backend, member, "lames") == found
    assert hits(search_backend, member, "déneigement", filters={"kind": "proposal"}) == found
    settings.PUBLIC_READ = False
    assert hits(search_backend, visitor, "déneigement") == set()

    with django_capture_on_commit_callbacks(execute=True):
        agenda_services.proposal_update(
            proposal=proposal,
            by=member,
            title="Mutualiser le salage des routes communales",
            rationale="Acheter le sel ensemble.",
            topics=proposal.topics.all(),
        )
    assert hits(search_backend, member, "déneigement") == set()
    assert {t for _, t, _ in hits(search_backend, member, "salage")} == {
        "Mutualiser le salage des routes communales"
    }

    with django_capture_on_commit_callbacks(execute=True):
        agenda_services.proposal_withdraw(proposal=proposal, by=member)
    assert hits(search_backend, member, "salage") == set()


def test_the_rebuild_indexes_proposals_but_not_withdrawn_ones(search_backend, member, make_topic):
    from website.search import services

    topic = make_topic()
    kept = agenda_services.proposal_create(
        author=member, title="Un groupement de commandes pour le sel", rationale="x", topics=[topic]
    )
    gone = agenda_services.proposal_create(
        author=member,
        title="Un groupement de commandes pour le gazole",
        rationale="x",
        topics=[topic],
    )
    agenda_services.proposal_withdraw(proposal=gone, by=member)
    services.rebuild()
    assert {t for _, t, _ in hits(search_backend, member, "groupement commandes")} == {kept.title}
