"""`POST /annuaire/import` (scope `admin:import`): a moderator's script checks a participant
list (dry run, the default) and imports it with `apply=true`, all rows or nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from directory import demo
from directory.models import Person, Position, Structure
from website.api import services

pytestmark = pytest.mark.django_db

GOOD = (
    "Prénom;Nom;Structure;Mail;Fonction\n"
    "Jean;Testeur;Mairie de Barrême;j@example.org;Maire\n"
    "Léa;Essai;Mairie de Barrême;lea@example.org;Secrétaire de mairie\n"
).encode()
BAD_ROW = (
    "Prénom;Nom;Structure;Mail;Fonction\n"
    "Jean;Testeur;Mairie de Barrême;j@example.org;Maire\n"
    "Léa;Essai;Mairie de Barrême;pas-une-adresse;Secrétaire de mairie\n"
).encode()


@pytest.fixture
def territory(db):
    return demo.load_structures()


@pytest.fixture
def superuser(make_user):
    return make_user(is_superuser=True, is_staff=True)


@pytest.fixture
def import_token(make_token, superuser):
    """`import_token(user, scopes=["read"])` → a token that a superuser gave `admin:import`."""

    def build(user, scopes=("read",)):
        new = make_token(user, scopes=scopes)
        services.token_admin_grant(token=new.token, by=superuser, scope="admin:import")
        return new.secret

    return build


def post(api, secret, data, *, apply=None, name="liste.csv", **headers):
    client = api(secret)
    path = "/api/v1/annuaire/import" + ("?apply=" + apply if apply else "")
    return client.client.post(
        path, {"file": SimpleUploadedFile(name, data)}, **client.headers, **headers
    )


def _directory():
    return Person.objects.count(), Position.objects.count(), Structure.objects.count()


def test_the_dry_run_reports_and_changes_nothing(api, moderator, import_token, territory):
    before = _directory()
    response = post(api, import_token(moderator), GOOD)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["applied"] is False and report["can_apply"] is True
    assert report["counts"]["people_created"] == 2
    assert [row["name"] for row in report["rows"]] == ["Jean Testeur", "Léa Essai"]
    assert report["rows"][0]["structure"].startswith("Barrême")
    assert "2 fiches créées" in report["summary"]
    assert _directory() == before
    # `apply=false` is a dry run too.
    assert post(api, import_token(moderator), GOOD, apply="false").json()["applied"] is False
    assert _directory() == before


def test_apply_true_imports_the_file(api, moderator, import_token, territory):
    response = post(api, import_token(moderator), GOOD, apply="true")
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True
    jean = Person.objects.get(last_name="Testeur")
    assert jean.email == "j@example.org"
    assert jean.positions.get().structure.name.startswith("Barrême")
    assert Person.objects.count() == 2


def test_a_file_with_errors_imports_nothing_and_says_why_in_french(
    api, moderator, import_token, territory
):
    before = _directory()
    dry = post(api, import_token(moderator), BAD_ROW).json()
    assert dry["can_apply"] is False and dry["counts"]["errors"] == 1
    assert dry["rows"][1]["level"] == "error" and dry["rows"][1]["errors"]
    response = post(api, import_token(moderator), BAD_ROW, apply="true")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "import_has_errors"
    assert body["detail"].startswith("Rien n'a été importé")
    assert body["errors"] == [{"line": 3, "msg": dry["rows"][1]["errors"][0]}]
    assert "adresse e-mail invalide" in body["errors"][0]["msg"]
    # All or nothing: the valid first row was not imported either.
    assert _directory() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02" * 1000, "pas un fichier texte"),
        (b"", "vide"),
    ],
)
def test_an_unreadable_file_is_a_problem_with_the_importers_french_message(
    api, moderator, import_token, data, message
):
    for apply in (None, "true"):
        response = post(api, import_token(moderator), data, apply=apply)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "import_file_unreadable" and message in body["detail"]
    assert Person.objects.count() == 0


def test_a_file_without_header_is_reported_as_a_file_error(api, moderator, import_token, territory):
    response = post(api, import_token(moderator), b"Nom\tMail\nJean\tj@example.org\n", apply="true")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["line"] is None and "en-tête" in body["errors"][0]["msg"]


def test_the_errors_are_in_english_when_asked(api, moderator, import_token):
    response = post(api, import_token(moderator), b"", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "empty" in response.json()["detail"].lower()


def test_without_admin_import_the_token_is_refused(api, moderator, make_token, superuser):
    new = make_token(moderator, scopes=["read", "write:posts"])
    services.token_admin_grant(token=new.token, by=superuser)  # admin:staff is not enough
    response = post(api, new.secret, GOOD)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert Person.objects.count() == 0


def test_a_visitor_is_asked_for_a_token(api):
    response = post(api, None, GOOD)
    assert response.status_code == 401
    # The token is checked before the form: no file is still a 401.
    assert api().client.post("/api/v1/annuaire/import", {}).status_code == 401


def test_a_request_without_the_file_is_a_problem(api, moderator, import_token):
    client = api(import_token(moderator))
    response = client.client.post("/api/v1/annuaire/import", {}, **client.headers)
    assert response.status_code == 422 and response.json()["code"] == "import_file_missing"


@pytest.mark.parametrize("role", [[], ["Éditeurs"], ["Experts"]])
def test_the_account_must_be_a_moderator(api, make_user, import_token, territory, role):
    secret = import_token(make_user(roles=role))
    response = post(api, secret, GOOD, apply="true")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Person.objects.count() == 0


def test_the_moderator_role_is_checked_at_each_request(api, moderator, import_token, territory):
    secret = import_token(moderator)
    assert post(api, secret, GOOD).status_code == 200
    moderator.groups.clear()
    response = post(api, secret, GOOD, apply="true")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Person.objects.count() == 0


def test_deactivated_or_pending_moderators_tokens_do_not_work(
    api, make_user, import_token, territory
):
    deactivated = make_user(roles=["Modérateurs"])
    secret = import_token(deactivated)
    deactivated.is_active = False
    deactivated.save()
    pending = make_user(roles=["Modérateurs"], approved_at=None)
    for token in (secret, import_token(pending)):
        response = post(api, token, GOOD, apply="true")
        assert response.status_code == 403 and response.json()["code"] == "account_not_active"
    assert Person.objects.count() == 0


def test_the_import_token_needs_two_factor_authentication_when_the_site_does(
    settings, api, moderator, import_token
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    response = post(api, import_token(moderator), GOOD)
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"


def test_only_a_superuser_gives_admin_import_and_it_is_recorded(
    moderator, make_user, make_token, superuser
):
    new = make_token(moderator, scopes=["read"])
    for by in (moderator, make_user(is_staff=True)):
        with pytest.raises(PermissionDenied):
            services.token_admin_grant(token=new.token, by=by, scope="admin:import")
    new.token.refresh_from_db()
    assert "admin:import" not in new.token.scopes
    token = services.token_admin_grant(token=new.token, by=superuser, scope="admin:import")
    token.refresh_from_db()
    assert token.scopes == ["admin:import", "read"]
    assert token.admin_granted_by == superuser and token.admin_granted_at is not None
    with pytest.raises(ValueError):
        services.token_admin_grant(token=token, by=superuser, scope="write:posts")


def test_the_account_page_does_not_offer_admin_import(moderator, make_token):
    with pytest.raises(ValueError):
        make_token(moderator, scopes=["admin:import"])


def test_superusers_give_admin_import_in_the_django_admin(client, moderator, make_token, superuser):
    new = make_token(moderator, scopes=["read"])
    form = {"action": "grant_admin_import", "_selected_action": [new.token.pk]}
    client.force_login(moderator)
    client.post("/django-admin/api/apitoken/", form)
    new.token.refresh_from_db()
    assert "admin:import" not in new.token.scopes
    client.force_login(superuser)
    response = client.post("/django-admin/api/apitoken/", form)
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert "admin:import" in new.token.scopes and "admin:staff" not in new.token.scopes
    assert new.token.admin_granted_by == superuser
