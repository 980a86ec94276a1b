"""A structure's service tokens (issue 21: « Moderators can create service tokens for a
structure »): made by a moderator in the Wagtail admin and shown once; they read as a plain
member and nothing more, and stop when revoked, expired, or when their moderator is pending,
deactivated or no longer a moderator (docs/api.md, "Service tokens for a structure")."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from qa import services as qa_services
from website.api import services
from website.api.auth import identify
from website.api.models import ApiToken, ServiceToken

pytestmark = pytest.mark.django_db

ADMIN = "/admin/jetons-de-service/"
VEILLE = {
    "title": "Décret relatif au déneigement des voies communales",
    "kind": "decret",
    "official_reference": "Décret n° 2026-1201 du 1er décembre 2026",
    "official_url": "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000000000001",
    "publication_date": "2026-12-01",
    "effective_date": "2027-01-01",
    "topics": ["commande-publique"],
    "summary": "Les communes délibèrent sur le déneigement avant l'hiver.",
    "body_html": "<p>Article 1.</p>",
}


@pytest.fixture
def structure(make_structure):
    return make_structure(name="CC du Val d'Oust", slug="cc-val-d-oust")


@pytest.fixture
def service(moderator, structure):
    """`service()` → a new read token of the CC, made by `moderator`."""

    def build(*, by=None, days=90):
        return services.service_token_create(
            by=by or moderator, structure=structure, name="Intranet", scopes=["read"], days=days
        )

    return build


def test_a_moderator_creates_a_service_token_in_the_admin_shown_once(
    client, moderator, structure, api
):
    client.force_login(moderator)
    assert client.get(ADMIN + "new/").status_code == 200
    response = client.post(
        ADMIN + "new/",
        {"structure": structure.pk, "name": "Intranet de la CC", "scopes": ["read"], "days": "30"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="service-token">(ent_[\w-]+)<', response.content.decode())[1]
    token = ApiToken.objects.get()
    assert token.structure == structure and token.user == moderator
    assert token.scopes == ["read"] and token.key_hash == services.digest(secret)
    assert (token.expires_at - token.created_at).days == 30
    listing = client.get(ADMIN)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "Intranet de la CC" in page and token.prefix in page and secret not in page
    assert secret not in client.get(f"{ADMIN}edit/{token.pk}/").content.decode()
    assert api(secret).get("/topics").status_code == 200


def test_the_admin_form_refuses_writing_scopes_and_a_missing_structure(client, moderator):
    client.force_login(moderator)
    response = client.post(
        ADMIN + "new/", {"name": "Script", "scopes": ["write:posts"], "days": "30"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce droit n&#x27;existe pas." in page
    assert "write:posts" not in page and "read:directory" not in page
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [None, "Éditeurs", "Experts"])
def test_only_moderators_reach_the_service_tokens(client, make_user, structure, service, role):
    service()
    client.force_login(make_user(roles=[role] if role else []))
    for path in (ADMIN, ADMIN + "new/", f"{ADMIN}edit/{ApiToken.objects.get().pk}/"):
        assert client.get(path).status_code in (302, 403)
    client.post(ADMIN + "new/", {"structure": structure.pk, "name": "x", "scopes": ["read"]})
    assert ApiToken.objects.count() == 1


def test_the_service_refuses_non_moderators_and_other_scopes(member, moderator, structure):
    with pytest.raises(PermissionDenied):
        services.service_token_create(
            by=member, structure=structure, name="x", scopes=["read"], days=30
        )
    for scopes in (["write:posts"], ["read", "read:directory"], ["admin:staff"], []):
        with pytest.raises(ValueError):
            services.service_token_create(
                by=moderator, structure=structure, name="x", scopes=scopes, days=30
            )
    with pytest.raises(ValueError):
        services.service_token_create(
            by=moderator, structure=structure, name="x", scopes=["read"], days=366
        )
    assert not ApiToken.objects.exists()


def test_a_revoked_service_token_never_works_again(client, moderator, service, api):
    new = service()
    assert api(new.secret).get("/topics").status_code == 200
    client.force_login(moderator)
    response = client.post(f"{ADMIN}edit/{new.token.pk}/", {"name": "Intranet", "revoke": "on"})
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    refused = api(new.secret).get("/topics")
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    # Renaming it again does not bring it back.
    client.post(f"{ADMIN}edit/{new.token.pk}/", {"name": "Intranet 2"})
    assert api(new.secret).get("/topics").json()["code"] == "token_revoked"


def test_an_expired_service_token_never_works(service, api):
    new = service(days=1)
    ApiToken.objects.filter(pk=new.token.pk).update(
        created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now()
    )
    refused = api(new.secret).get("/topics")
    assert refused.status_code == 401 and refused.json()["code"] == "token_expired"


@pytest.mark.parametrize("change", ["pending", "deactivated", "demoted"])
def test_the_token_stops_with_its_moderator(moderator, service, api, change):
    new = service()
    assert api(new.secret).get("/topics").status_code == 200
    if change == "pending":
        moderator.approved_at = None
        moderator.save()
    elif change == "deactivated":
        moderator.is_active = False
        moderator.save()
    else:
        moderator.groups.clear()
    response = api(new.secret).get("/topics")
    assert response.status_code == 403
    expected = "service_token_owner_not_moderator" if change == "demoted" else "account_not_active"
    assert response.json()["code"] == expected


def test_a_service_token_reads_as_a_plain_member_never_with_its_moderators_roles(
    settings, moderator, make_user, service, api, make_question, make_answer
):
    """Even with every scope written into its row by hand, a service token reads only: no
    write, no directory, no draft, no deleted thread, and it asks for no second factor
    because it never acts with a role."""
    settings.MFA_REQUIRED_FOR_STAFF = True
    question = make_question()
    answer = make_answer(question=question)
    deleted = make_question(title="Un fil supprimé par la modération")
    qa_services.post_delete(post=deleted, by=moderator, reason="doublon")
    moderator.groups.add(*make_user(roles=["Experts", "Éditeurs"]).groups.all())
    new = service()
    ApiToken.objects.filter(pk=new.token.pk).update(
        scopes=["admin:staff", "read", "read:directory", "write:posts", "write:veille"]
    )
    client = api(new.secret)
    assert client.get(f"/questions/{question.pk}").status_code == 200
    assert client.get(f"/questions/{deleted.pk}").status_code == 403
    listed = [item["id"] for item in client.get("/questions").json()["items"]]
    assert question.pk in listed and deleted.pk not in listed
    for response in (
        client.put(f"/answers/{answer.pk}/accept", {"accepted": True}),
        client.post(f"/questions/{question.pk}/answers", {"body": "Par le jeton de la CC."}),
        client.get("/people"),
        client.post("/veille", VEILLE),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "insufficient_scope"
    question.refresh_from_db()
    assert question.answer_count == 1


def test_the_account_seen_through_a_service_token_has_no_role(rf, moderator, make_user, service):
    moderator.is_superuser = moderator.is_staff = True
    moderator.save()
    moderator.groups.add(*make_user(roles=["Experts", "Éditeurs"]).groups.all())
    request = rf.get("/api/v1/topics", HTTP_AUTHORIZATION=f"Bearer {service().secret}")
    caller = identify(request)
    user = caller.user
    assert not user.is_superuser and not user.is_staff
    assert user._role_names <= {"Membres"}
    with pytest.raises(RuntimeError):
        user.save()


def test_a_service_token_never_gets_an_admin_scope(moderator, make_user, service):
    new = service()
    with pytest.raises(ValueError):
        services.token_admin_grant(token=new.token, by=make_user(is_superuser=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=new.token.pk).update(
            admin_granted_at=timezone.now(), admin_granted_by=moderator
        )


def test_service_tokens_are_not_on_the_moderators_personal_page(client, moderator, service):
    new = service()
    client.force_login(moderator)
    assert new.token.prefix not in client.get("/compte/jetons/").content.decode()
    response = client.post(f"/compte/jetons/{new.token.pk}/revoquer/")
    assert response.status_code == 404
    assert ServiceToken.objects.get().revoked_at is None


def test_a_password_change_of_the_moderator_revokes_the_service_tokens(moderator, service):
    new = service()
    assert services.tokens_revoke_all(user=moderator) == 1
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
