"""Rebuild beside the live index, check and repair drift, survive crashes and concurrent writers."""

import multiprocessing
import os
import signal

import pytest
from django.core.management import CommandError, call_command

from website.search import services
from website.search.backends import get_backend, reset_backends
from website.search.documents import build_many, principals_for
from website.search.results import SearchDocument, SearchRequest

pytestmark = pytest.mark.django_db


def found(backend, user, query):
    return {
        h.title
        for h in backend.search(SearchRequest(query=query, principals=principals_for(user))).hits
    }


def test_search_check_reports_missing_extra_and_stale_documents(
    search_backend, ask, index, member, capsys
):
    kept = ask("Déneigement des trottoirs")
    changed = ask("Fauchage des accotements")
    missing = ask("Entretien des fossés")
    index(kept, changed)
    search_backend.index(
        [
            SearchDocument(
                uid="question:999999", kind="question", title="Fantôme", url="/x/", acl=("members",)
            )
        ]
    )
    changed.title = "Fauchage tardif des accotements"
    changed.save()
    with pytest.raises(CommandError):
        call_command("search_check")
    output = capsys.readouterr().out
    assert f"missing: 1 (question:{missing.pk})" in output
    assert "extra: 1 (question:999999)" in output
    assert f"stale: 1 (question:{changed.pk})" in output
    call_command("search_check", "--repair")
    call_command("search_check")
    assert found(search_backend, member, "fossés") == {"Entretien des fossés"}
    assert found(search_backend, member, "tardif") == {"Fauchage tardif des accotements"}
    assert found(search_backend, member, "fantôme") == set()


def test_rebuild_switches_to_a_new_folder_while_the_old_one_keeps_answering(
    whoosh_backend, ask, index, member
):
    index(ask("Ramassage des encombrants"))
    old_path = whoosh_backend.current_path()
    assert found(whoosh_backend, member, "encombrants")
    count = services.rebuild()
    assert count >= 1
    new_path = whoosh_backend.current_path()
    assert new_path != old_path
    assert os.path.isdir(old_path), "the previous index stays for searchers still reading it"
    assert found(whoosh_backend, member, "encombrants") == {"Ramassage des encombrants"}


def test_updates_made_during_a_rebuild_reach_the_new_index(whoosh_backend, ask, member):
    late = ask("Question arrivée pendant la reconstruction")
    calls = []

    def documents_then_a_late_update():
        # The rebuild has read the database; meanwhile the task worker indexes a question.
        yield from []
        calls.append(True)
        services.sync([f"question:{late.pk}"])

    whoosh_backend.rebuild(
        documents_then_a_late_update(),
        replay=build_many,
    )
    assert calls
    assert found(whoosh_backend, member, "reconstruction") == {
        "Question arrivée pendant la reconstruction"
    }


def _write_batch(root, worker, count):
    reset_backends()
    from website.search.backends.whoosh import WhooshBackend

    backend = WhooshBackend(root)
    for n in range(count):
        backend.index(
            [
                SearchDocument(
                    uid=f"question:{worker * 1000 + n}",
                    kind="question",
                    title=f"Question {worker} numéro {n} sur le stationnement",
                    url=f"/questions/{worker * 1000 + n}/",
                    acl=("members",),
                )
            ]
        )
    os._exit(0)


def test_several_processes_writing_at_once_lose_no_update(whoosh_backend):
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_write_batch, args=(str(whoosh_backend.root), w, 12))
        for w in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    uids = {e.uid for e in whoosh_backend.entries() if e.uid.startswith("question:")}
    assert len(uids) == 48


def _crash_during_commit(root, documents):
    """Write a batch and die (SIGKILL) after the new TOC is written, before it is renamed in."""
    from whoosh.filedb.filestore import FileStorage

    from website.search.backends.whoosh import WhooshBackend

    def die(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    FileStorage.rename_file = die
    WhooshBackend(root).index(documents)
    os._exit(0)


def test_a_kill_during_a_commit_leaves_a_usable_index_that_search_check_repairs(
    whoosh_backend, ask, index, member, capsys
):
    from website.search.documents import build

    before = ask("Question indexée avant la panne")
    index(before)
    lost = ask("Question perdue pendant la panne")
    process = multiprocessing.get_context("fork").Process(
        target=_crash_during_commit, args=(str(whoosh_backend.root), [build(f"question:{lost.pk}")])
    )
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL
    leftovers = [n for n in os.listdir(whoosh_backend.current_path()) if ".toc." in n]
    assert leftovers, "the crash left a temporary TOC behind"
    assert whoosh_backend.state() == "ok"
    assert found(whoosh_backend, member, "panne") == {"Question indexée avant la panne"}

    call_command("search_check", "--repair")
    output = capsys.readouterr().out
    assert "leftover" in output
    assert not [n for n in os.listdir(whoosh_backend.current_path()) if ".toc." in n]
    assert found(whoosh_backend, member, "panne") == {
        "Question indexée avant la panne",
        "Question perdue pendant la panne",
    }
    call_command("search_check")


def test_a_deleted_index_folder_is_reported_and_rebuilt_by_repair(
    whoosh_backend, ask, index, member, client
):
    import shutil

    index(ask("Fleurissement des villages"))
    shutil.rmtree(whoosh_backend.root)
    assert whoosh_backend.state() == "missing"
    assert client.get("/sante/").json()["checks"]["search"] == "missing"
    with pytest.raises(CommandError):
        call_command("search_check")
    call_command("search_check", "--repair")
    assert found(whoosh_backend, member, "fleurissement") == {"Fleurissement des villages"}


def test_a_corrupt_index_keeps_the_site_up_and_says_search_is_being_rebuilt(
    whoosh_backend, member, client, monkeypatch
):
    from website.search import tasks as search_tasks

    path = whoosh_backend.current_path()
    for name in os.listdir(path):
        if name.endswith(".toc"):
            os.remove(os.path.join(path, name))
    whoosh_backend.close()
    monkeypatch.setattr(search_tasks, "request_rebuild", lambda: None)
    client.force_login(member)
    response = client.get("/recherche/", {"q": "voirie"})
    assert response.status_code == 200
    assert "reconstruction" in response.content.decode()
    assert client.get("/sante/").status_code == 503
    call_command("search_check", "--repair")
    assert get_backend().state() == "ok"


def test_a_web_request_never_rebuilds_the_index_itself(whoosh_backend, member, client):
    """With the immediate task backend a rebuild would run inside the request: the page says
    search is being rebuilt and leaves the rebuild to `search_check --repair`."""
    import shutil

    shutil.rmtree(whoosh_backend.root)
    client.force_login(member)
    response = client.get("/recherche/", {"q": "voirie"})
    assert "reconstruction" in response.content.decode()
    assert whoosh_backend.state() == "missing"
    assert whoosh_backend.current_path() is None


def test_a_large_rebuild_is_written_by_several_processes_and_loses_nothing(
    whoosh_backend, member, monkeypatch, settings
):
    from whoosh import index as whoosh_index

    from website.search.backends import whoosh as whoosh_module

    monkeypatch.setattr(whoosh_module, "PARALLEL_FROM", 50)
    settings.SEARCH_REBUILD_PROCS = 2
    documents = [
        SearchDocument(
            uid=f"question:{n}",
            kind="question",
            title=f"Déneigement numéro {n}",
            url=f"/questions/{n}/",
            acl=("members",),
            body=f"Le chasse-neige passe rue {n}.",
        )
        for n in range(1, 401)
    ]
    assert whoosh_backend.rebuild(documents) == 400
    segments = whoosh_index.open_dir(whoosh_backend.current_path()).reader().leaf_readers()
    assert len(segments) >= 2, "one segment per writing process"
    assert {e.uid for e in whoosh_backend.entries()} == {d.uid for d in documents}
    results = whoosh_backend.search(
        SearchRequest(query="déneigement", principals=principals_for(member))
    )
    assert results.total == 400
    assert whoosh_backend.search(
        SearchRequest(query="chasse neige 237", principals=principals_for(member))
    ).hits[0].uid == ("question:237")
