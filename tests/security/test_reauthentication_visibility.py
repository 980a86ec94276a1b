"""Re-authentication before a change of what members see of one's directory entry.

Like an e-mail or MFA change, changing the listing, who sees the e-mail or phone, or the value
of a contact members can see needs a re-authentication younger than
`ACCOUNT_REAUTHENTICATION_TIMEOUT`: without it the POST is kept by allauth, nothing changes,
and the browser is sent to the re-authentication page; once it is done, the same POST is
replayed and saved. Other edits (bio, a hidden contact) are saved at once.
"""

import re

import pytest
from django.core.cache import cache
from django.forms.models import model_to_dict

from directory.models import Person, Visibility
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = "/annuaire/moi/"
REAUTH = "/comptes/reauthenticate/"


@pytest.fixture
def entry(member, make_person):
    return make_person(
        user=member,
        first_name="Alix",
        last_name="Discrète",
        bio="Secrétaire de mairie.",
        email="alix.discrete@example.org",
        email_visibility=Visibility.HIDDEN,
        phone="04 92 00 00 07",
        phone_visibility=Visibility.MEMBERS,
        is_listed=True,
    )


def profile_post(person, **overrides):
    """The profile form as the browser posts it, with the entry's current values."""
    data = {
        "fiche-first_name": person.first_name,
        "fiche-last_name": person.last_name,
        "fiche-bio": person.bio,
        "fiche-email": person.email,
        "fiche-email_visibility": person.email_visibility,
        "fiche-phone": person.phone,
        "fiche-phone_visibility": person.phone_visibility,
        "fonctions-TOTAL_FORMS": "0",
        "fonctions-INITIAL_FORMS": "0",
        "fonctions-MIN_NUM_FORMS": "0",
        "fonctions-MAX_NUM_FORMS": "20",
    }
    if person.is_listed:
        data["fiche-is_listed"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def row(person):
    return model_to_dict(Person.objects.get(pk=person.pk))


# Each changes what members see (or may see) of the entry.
VISIBILITY_CHANGES = {
    "show the e-mail": {"fiche-email_visibility": Visibility.MEMBERS},
    "hide the phone": {"fiche-phone_visibility": Visibility.HIDDEN},
    "leave the directory": {"fiche-is_listed": None},
    "change the visible phone": {"fiche-phone": "04 92 99 99 99"},
    "show an e-mail not yet typed": {
        "fiche-email": "",
        "fiche-email_visibility": Visibility.MEMBERS,
    },
}


@pytest.mark.parametrize("change", VISIBILITY_CHANGES, ids=list(VISIBILITY_CHANGES))
def test_a_visibility_change_without_recent_reauthentication_changes_nothing(
    client, member, entry, change
):
    client.force_login(member)
    before = row(entry)
    data = profile_post(entry, **{"fiche-bio": "Nouvelle présentation."})
    data.update(VISIBILITY_CHANGES[change])
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(PROFILE, data)
    assert response.status_code == 302
    assert response.url == f"{REAUTH}?next=%2Fannuaire%2Fmoi%2F"
    # Nothing of the POST is saved, not even the harmless bio.
    assert row(entry) == before


def test_after_reauthentication_the_kept_post_is_saved_and_the_member_is_back_on_the_form(
    client, member, entry
):
    client.force_login(member)
    data = profile_post(
        entry,
        **{"fiche-email_visibility": Visibility.MEMBERS, "fiche-bio": "Je gère l'état civil."},
    )
    assert client.post(PROFILE, data).url.startswith(REAUTH)
    page = client.get(f"{REAUTH}?next={PROFILE}")
    assert page.status_code == 200
    response = client.post(f"{REAUTH}?next={PROFILE}", {"password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == PROFILE
    entry.refresh_from_db()
    assert entry.email_visibility == Visibility.MEMBERS
    assert entry.bio == "Je gère l'état civil."
    assert "Votre fiche est enregistrée." in client.get(PROFILE).content.decode()


def test_within_the_timeout_the_change_is_saved_at_once_and_asked_again_after_it(
    client, member, entry, settings
):
    client.force_login(member)
    client.post(REAUTH, {"password": TEST_PASSWORD})
    response = client.post(
        PROFILE, profile_post(entry, **{"fiche-email_visibility": Visibility.MEMBERS})
    )
    assert response.status_code == 302 and response.url == PROFILE
    entry.refresh_from_db()
    assert entry.email_visibility == Visibility.MEMBERS

    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    before = row(entry)
    response = client.post(
        PROFILE, profile_post(entry, **{"fiche-email_visibility": Visibility.HIDDEN})
    )
    assert response.url.startswith(REAUTH)
    assert row(entry) == before


def test_a_wrong_password_keeps_the_change_refused(client, member, entry):
    client.force_login(member)
    before = row(entry)
    client.post(PROFILE, profile_post(entry, **{"fiche-phone_visibility": Visibility.HIDDEN}))
    response = client.post(f"{REAUTH}?next={PROFILE}", {"password": "pas-le-bon-mot-de-passe"})
    assert response.status_code == 200
    assert row(entry) == before
    # Nor does the kept POST leak into the next visit.
    assert client.get(PROFILE).status_code == 200
    assert row(entry) == before


@pytest.mark.parametrize(
    "change",
    [
        {"fiche-bio": "Une autre présentation."},
        {"fiche-email": "alix.autre@example.org"},  # hidden: members see nothing new
        {"fiche-first_name": "Alixe"},
    ],
    ids=["bio", "hidden e-mail", "first name"],
)
def test_edits_that_change_no_visibility_are_saved_without_reauthentication(
    client, member, entry, change
):
    client.force_login(member)
    response = client.post(PROFILE, profile_post(entry, **change))
    assert response.status_code == 302 and response.url == PROFILE
    saved = row(entry)
    field = next(iter(change)).removeprefix("fiche-")
    assert saved[field] == change[f"fiche-{field}"]


def test_an_invalid_form_shows_its_errors_before_asking_anything(client, member, entry):
    client.force_login(member)
    response = client.post(
        PROFILE,
        profile_post(
            entry,
            **{"fiche-email": "pas-une-adresse", "fiche-email_visibility": Visibility.MEMBERS},
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="pas-une-adresse"' in html
    assert Person.objects.get(pk=entry.pk).email == "alix.discrete@example.org"


def test_an_account_without_password_reauthenticates_with_an_emailed_code(
    client, member, entry, mailoutbox
):
    """A ProConnect account has no usable password: allauth sends a code instead."""
    member.set_unusable_password()
    member.save()
    client.force_login(member)
    response = client.post(
        PROFILE, profile_post(entry, **{"fiche-email_visibility": Visibility.MEMBERS})
    )
    assert response.url.startswith("/comptes/reauthenticate/code/")
    cache.clear()
    response = client.post(response.url, {"recipient": member.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.MULTILINE).group(
        1
    )
    assert Person.objects.get(pk=entry.pk).email_visibility == Visibility.HIDDEN
    response = client.post(response.url, {"code": code})
    assert response.status_code == 302 and response.url == PROFILE
    assert Person.objects.get(pk=entry.pk).email_visibility == Visibility.MEMBERS


# --- Nobody else changes the visibility of someone's entry -----------------------------------


@pytest.mark.parametrize("role", ["moderator", "editor", "superuser"])
def test_no_other_role_has_a_way_to_edit_someone_elses_visibility(
    client, entry, moderator, editor, make_user, role
):
    """People are edited only on `/annuaire/moi/` (one's own entry) and by import, which never
    sets visibility; neither admin offers a form for them."""
    users = {
        "moderator": moderator,
        "editor": editor,
        "superuser": make_user(is_superuser=True, is_staff=True),
    }
    client.force_login(users[role])
    before = row(entry)
    client.post(REAUTH, {"password": TEST_PASSWORD})
    forged = profile_post(
        entry,
        **{
            "fiche-email_visibility": Visibility.MEMBERS,
            "fiche-id": entry.pk,
            "fiche-user": entry.user_id,
        },
    )
    client.post(PROFILE, forged)
    for url in [
        f"/django-admin/directory/person/{entry.pk}/change/",
        f"/admin/snippets/directory/person/edit/{entry.pk}/",
        f"/admin/directory/person/edit/{entry.pk}/",
    ]:
        response = client.post(url, {"email_visibility": Visibility.MEMBERS})
        assert response.status_code in (302, 403, 404), (url, response.status_code)
    assert row(entry) == before


def test_a_moderator_changing_their_own_entry_follows_the_same_rule(client, moderator, make_person):
    own = make_person(user=moderator, last_name="Modératrice", email="mod@example.org")
    client.force_login(moderator)
    before = row(own)
    response = client.post(
        PROFILE, profile_post(own, **{"fiche-email_visibility": Visibility.MEMBERS})
    )
    assert response.url.startswith(REAUTH)
    assert row(own) == before
