"""The shared-needs page names the first few structures of each need and says how many more
there are, with a link to the CSV export, which keeps the full lists (issue 19, « Speed »: the
full lists of a need expressed by hundreds of structures cost most of the page's render)."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from directory.models import StructureKind
from qa import services as qa_services
from tests.queries import counted_get
from website.needs import refresh, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def widely_shared(
    whoosh_backend, make_structure, make_user, make_person, make_position, make_topic
):
    """A factory: one topic asked about by people of `communes` communes spread over
    `ccs` CCs (named so that their alphabetical order is their number's)."""
    cache.clear()

    def build(communes, ccs):
        topic = make_topic(name="Voirie", slug="voirie")
        parents = [
            make_structure(name=f"CC {n:03}", slug=f"cc-{n:03}", kind=StructureKind.CC)
            for n in range(ccs)
        ]
        users = []
        for n in range(communes):
            commune = make_structure(name=f"Commune {n:03}", parent=parents[n % ccs])
            user = make_user()
            make_position(person=make_person(user=user), structure=commune)
            qa_services.question_create(
                author=user, title=f"Déneigement {n}", body="Texte.", topics=[topic]
            )
            users.append(user)
        refresh.refresh()
        return users[0]

    return build


def _topic_need(response):
    page = BeautifulSoup(response.content, "html.parser")
    section = page.find("section", attrs={"aria-labelledby": "needs-topics"})
    return section.find("li")


def test_a_need_names_its_first_structures_and_links_the_others_to_the_csv(client, widely_shared):
    member = widely_shared(communes=9, ccs=7)
    client.force_login(member)
    response = client.get("/besoins-partages/", {"periode": "12"})
    need = _topic_need(response)
    text = " ".join(need.get_text(" ").split())
    assert "9 communes concernées" in text
    shown = selectors.SHOWN_STRUCTURES
    communes = need.find("p", class_="needs-communes")
    names = [a.get_text() for a in communes.find_all("a", href=True) if "structure" in a["href"]]
    assert names == [f"Commune {n:03}" for n in range(shown)]
    more = communes.find("a", class_="needs-more")
    assert " ".join(more.get_text().split()) == f"et {9 - shown} autres (liste complète en CSV)"
    assert more["href"] == "/besoins-partages/export.csv?periode=12"
    ccs = need.find("p", class_="needs-ccs")
    assert [a.get_text() for a in ccs.find_all("a") if "needs-more" not in a.get("class", [])] == [
        f"CC {n:03}" for n in range(shown)
    ]
    assert " ".join(ccs.find("a", class_="needs-more").get_text().split()) == (
        f"et {7 - shown} autres (liste complète en CSV)"
    )
    rows = list(csv.reader(io.StringIO(client.get(more["href"]).content.decode()), delimiter=";"))
    topic_row = next(row for row in rows if row[1] == "Voirie")
    assert topic_row[5] == ", ".join(f"Commune {n:03}" for n in range(9))
    assert topic_row[6] == ", ".join(f"CC {n:03}" for n in range(7))


def test_a_short_list_is_shown_whole_without_a_link_to_more(client, widely_shared):
    member = widely_shared(communes=selectors.SHOWN_STRUCTURES, ccs=2)
    client.force_login(member)
    need = _topic_need(client.get("/besoins-partages/"))
    communes = need.find("p", class_="needs-communes")
    assert len(communes.find_all("a")) == selectors.SHOWN_STRUCTURES
    assert need.find("a", class_="needs-more") is None
    assert "autres" not in need.get_text()


@pytest.mark.parametrize("communes", [6, 40])
def test_the_page_needs_the_same_queries_however_many_structures_share_a_need(
    client, widely_shared, communes
):
    member = widely_shared(communes=communes, ccs=communes // 2)
    client.force_login(member)
    client.get("/besoins-partages/")  # the similar threads are cached after the first view
    _response, queries = counted_get(client, "/besoins-partages/")
    assert queries == QUERIES


QUERIES = 19  # measured at both sizes
