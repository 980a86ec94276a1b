"""The XSS corpus through every user-writable field that exists today.

See `tests/security/xss.py` for how the other fields plug in (the cross-feature pass).
"""

import pytest
from allauth.account.models import EmailAddress

from directory.models import User
from qa import services as qa_services
from tests.security.xss import assert_no_xss, payloads, xss_problems

pytestmark = pytest.mark.django_db


def chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def test_the_corpus_holds_over_300_payloads_with_markdown_specific_ones():
    corpus = payloads()
    assert len(corpus) >= 300
    assert len(set(corpus)) == len(corpus)
    for expected in (
        "[x](javascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "<svg onload=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x][1]\n\n[1]: javascript:alert(1)",
    ):
        assert expected in corpus


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<iframe src="data:text/html,x"></iframe>',
        '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
        '<p style="color:red">x</p>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<div hx-on:click="alert(1)">x</div>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<script src="//pirate.example.net/x.js"></script>',
    ],
)
def test_the_checker_catches_what_a_browser_would_run(html):
    assert xss_problems(html)


def test_the_checker_accepts_safe_markup_and_our_own_scripts():
    html = (
        '<p><a href="https://exemple.org/">lien</a> <img src="data:image/png;base64,AAAA" alt="">'
        " &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        '<script src="/static/js/entraide.js" nonce="abc"></script>'
    )
    assert xss_problems(html) == []


def test_the_markdown_preview_renders_every_payload_safely(client, member):
    client.force_login(member)
    for payload in payloads():
        response = client.post("/questions/apercu/", {"body": payload})
        assert response.status_code == 200
        assert_no_xss(response.content, context=payload)


def test_question_titles_and_bodies_render_safely_on_the_thread_page(client, member, make_topic):
    topic = make_topic(name="Sécurité")
    client.force_login(member)
    # Every thread is written first, then every page read: a write renews the site's write
    # generation (directory/fragments.py), so a page read between two writes would render its
    # shared parts (the empty forms…) again each time; the pages checked are the same.
    questions = [
        qa_services.question_create(
            author=member, title=f"Titre {payload}"[:150], body=payload, topics=[topic]
        )
        for payload in payloads()
    ]
    for payload, question in zip(payloads(), questions, strict=True):
        response = client.get(question.get_absolute_url())
        assert response.status_code == 200, payload
        assert_no_xss(response.content, context=payload)


def test_sign_up_fields_are_echoed_safely_when_the_form_comes_back(client):
    for first, last, structure, function in chunks(list(payloads()) + ["x"] * 3, 4):
        response = client.post(
            "/comptes/signup/",
            {
                "email": "pas-une-adresse",
                "password1": "un-mot-de-passe-solide-2026",
                "password2": "un-autre-mot-de-passe-2026",
                "first_name": first[:150],
                "last_name": last[:150],
                "signup_structure": structure[:200],
                "signup_function": function[:200],
            },
        )
        assert response.status_code == 200
        assert_no_xss(response.content, context=(first, last, structure, function))


def test_sign_up_fields_render_safely_in_the_moderators_queue(client, moderator):
    client.force_login(moderator)
    for batch_number, batch in enumerate(chunks(list(payloads()), 40)):
        User.objects.filter(approved_at__isnull=True).delete()
        accounts = User.objects.bulk_create(
            User(
                email=f"xss{batch_number}-{index}@example.org",
                first_name=payload[:150],
                last_name=payload[::-1][:150],
                signup_structure=payload[:200],
                signup_function=payload[:200],
            )
            for index, payload in enumerate(batch)
        )
        # The queue lists only accounts whose address is verified.
        EmailAddress.objects.bulk_create(
            EmailAddress(user=account, email=account.email, verified=True, primary=True)
            for account in accounts
        )
        response = client.get("/annuaire/comptes-en-attente/")
        assert response.status_code == 200
        body = response.content.decode()
        assert all(account.email in body for account in accounts)
        assert_no_xss(response.content, context=batch)


def test_the_search_query_is_echoed_safely(client, member):
    client.force_login(member)
    for payload in payloads():
        response = client.get("/recherche/", {"q": payload})
        assert response.status_code == 200
        assert_no_xss(response.content, context=payload)


def test_login_and_password_reset_echo_what_was_typed_safely(client):
    for payload in payloads():
        login = client.post("/comptes/login/", {"login": payload, "password": "x"})
        assert_no_xss(login.content, context=payload)
        reset = client.post("/comptes/password/reset/", {"email": payload})
        assert_no_xss(reset.content, context=payload)


@pytest.fixture
def fresh_index(settings, tmp_path):
    from website.search import services
    from website.search.backends import reset_backends

    settings.SEARCH_INDEX_DIR = str(tmp_path / "recherche")
    reset_backends()
    services.rebuild()
    yield services
    reset_backends()


def test_indexed_payloads_come_back_safely_in_search_results_and_snippets(
    client, member, make_topic, fresh_index
):
    from website.search.documents import uid_of

    topic = make_topic(name="Recherche")
    client.force_login(member)
    for number, batch in enumerate(chunks(list(payloads()), 10)):
        word = f"sentinelle{number}"
        questions = [
            qa_services.question_create(
                author=member,
                title=f"{word} {payload}"[:150],
                body=f"{word} {payload} {word}",
                topics=[topic],
            )
            for payload in batch
        ]
        fresh_index.sync([uid_of(question) for question in questions])
        response = client.get("/recherche/", {"q": word})
        assert response.status_code == 200
        assert response.content.decode().count("<mark>") >= len(batch), batch
        assert_no_xss(response.content, context=batch)
