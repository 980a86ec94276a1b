"""Finding 6 of the December 2026 review: approval preselected a name-only directory match.

Someone signs up as « Jean Dupont » with any address; the moderators' queue suggested the
imported entry of the real Jean Dupont and preselected it, so one click on « Approuver » gave
the impostor the entry with its hidden e-mail and phone. Now each suggestion says why it is
proposed (« même e-mail » / « même nom seulement »), only an entry with the account's own
verified e-mail is preselected (otherwise « Créer une nouvelle fiche »), and accounts whose
e-mail is not verified stay out of the queue and cannot be approved.
"""

import re

import pytest
from allauth.account.models import EmailAddress

from directory import selectors
from directory.models import Person, Visibility

pytestmark = pytest.mark.django_db

QUEUE = "/annuaire/comptes-en-attente/"
HIDDEN_PHONE = "06 12 34 56 78"
HIDDEN_EMAIL = "jean.dupont.perso@example.net"


def _approve_url(user):
    return f"/annuaire/comptes-en-attente/{user.pk}/approuver/"


def _choices(html, account):
    """value → (label text, checked) of the account's approval radios."""
    prefix = f"id_compte{account.pk}_fiche_"
    found = {}
    for match in re.finditer(
        rf'<label for="{prefix}\d+">\s*(<input[^>]*>)(.*?)</label>', html, flags=re.S
    ):
        tag, label = match.groups()
        value = re.search(r'value="([^"]*)"', tag).group(1)
        found[value] = (" ".join(label.split()), " checked" in tag)
    assert found, "no approval choices found for the account"
    return found


def _checked(choices):
    (value,) = [value for value, (_label, checked) in choices.items() if checked]
    return value


@pytest.fixture
def mayor(make_person):
    """An imported entry (no account) with a hidden private e-mail and phone."""
    return make_person(
        first_name="Jean",
        last_name="Dupont",
        email=HIDDEN_EMAIL,
        email_visibility=Visibility.HIDDEN,
        phone=HIDDEN_PHONE,
        phone_visibility=Visibility.HIDDEN,
    )


def test_a_name_only_match_is_labelled_and_never_preselected(client, moderator, make_user, mayor):
    impostor = make_user(
        approved_at=None, first_name="Jean", last_name="Dupont", email="jd@example.org"
    )
    client.force_login(moderator)
    choices = _choices(client.get(QUEUE).content.decode(), impostor)

    label, checked = choices[str(mayor.pk)]
    assert "même nom seulement" in label and "même e-mail" not in label
    assert "Jean Dupont" in label
    assert not checked
    assert _checked(choices) == "nouvelle"

    # The moderator clicks « Approuver » with what the page preselected.
    client.post(_approve_url(impostor), {"fiche": _checked(choices)})
    impostor.refresh_from_db()
    mayor.refresh_from_db()
    assert not impostor.is_pending
    assert mayor.user is None
    assert Person.objects.get(user=impostor).pk != mayor.pk

    client.force_login(impostor)
    own_entry = client.get("/annuaire/moi/").content.decode()
    assert HIDDEN_PHONE not in own_entry and HIDDEN_EMAIL not in own_entry


def test_a_verified_email_match_is_labelled_and_preselected(
    client, moderator, make_user, make_person, mayor
):
    account = make_user(
        approved_at=None, first_name="Jean", last_name="Dupont", email=HIDDEN_EMAIL.upper()
    )
    namesake = make_person(first_name="Jean", last_name="Dupont")
    client.force_login(moderator)
    choices = _choices(client.get(QUEUE).content.decode(), account)

    assert "même e-mail" in choices[str(mayor.pk)][0]
    assert "même nom seulement" in choices[str(namesake.pk)][0]
    assert _checked(choices) == str(mayor.pk)

    client.post(_approve_url(account), {"fiche": _checked(choices)})
    mayor.refresh_from_db()
    assert mayor.user == account


def test_accounts_with_an_unverified_email_stay_out_of_the_queue(
    client, moderator, make_user, mayor
):
    unverified = make_user(
        approved_at=None, first_name="Jean", last_name="Dupont", email=HIDDEN_EMAIL
    )
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    verified = make_user(approved_at=None, first_name="Paul", last_name="Martin")
    client.force_login(moderator)

    html = client.get(QUEUE).content.decode()
    assert verified.email in html
    assert HIDDEN_EMAIL not in html and _approve_url(unverified) not in html

    response = client.post(_approve_url(unverified), {"fiche": str(mayor.pk)})
    assert response.status_code == 404
    unverified.refresh_from_db()
    mayor.refresh_from_db()
    assert unverified.is_pending and mayor.user is None


def test_an_unverified_address_suggests_no_entry_by_email(make_user, make_person):
    account = make_user(approved_at=None, first_name="Zoé", last_name="Arnaud")
    same_email = make_person(first_name="Z.", last_name="A.", email=account.email)
    EmailAddress.objects.filter(user=account).update(verified=False)
    assert same_email not in [s.person for s in selectors.person_suggestions_for(account)]
