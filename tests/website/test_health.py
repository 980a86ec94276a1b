import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_health_answers_ok_when_database_and_search_folder_are_usable(client, settings, tmp_path):
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    call_command("search_rebuild", stdout=None)
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "search": "ok"}}


@pytest.mark.django_db
def test_health_answers_503_when_the_search_folder_is_unusable(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.SEARCH_INDEX_DIR = str(blocker / "search")
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["checks"]["search"] == "unavailable"
