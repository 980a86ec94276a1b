"""Generate a large, consistent data set for the load benchmark.

    DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 .venv/bin/python benchmarks/generate.py

Default size (issue 3 "Speed", issue 8 "Load"): 100,000 questions and discussions,
300,000 answers, 1,000,000 votes, 5,000 people with accounts, 300 structures. `--scale 0.1`
makes a tenth of it (for a quick try). The database must be given explicitly and must not be
the development or a test database: the script migrates it, loads the demo data (home page,
topics, demo accounts) and then inserts the bulk rows with `bulk_create` in batches and
explicit primary keys, without signals and without the search index (see run.py).

Denormalised data are filled as the services would: `body_html` is rendered by
`qa.markdown.render_markdown` (from a pool of bodies, each rendered once), `score` is the sum
of the post's votes, `answer_count` the number of answers, `last_activity_at` the last answer's
date, `accepted_answer` one of the question's answers, `author_structure`/`author_function` the
author's position, `Person.search_name` the normalised name.
Revisions, comments and follows are not generated (the pages read them per thread, in bounded
queries, so they do not change what is measured).
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from itertools import islice
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = 100_000
ANSWERS = 300_000
VOTES = 1_000_000
PEOPLE = 5_000
STRUCTURES = 300
HOT_THREADS = 100  # threads with HOT_ANSWERS answers each, the heavy end of the thread page
HOT_ANSWERS = 50
BATCH = 5_000
BENCH_DOMAIN = "bench.example.org"
BENCH_LOGIN = f"membre.bench@{BENCH_DOMAIN}"
BENCH_PASSWORD = "bench-entraide-2026"  # noqa: S105 (fictional account of a throwaway database)

FIRST_NAMES = (
    "Camille Dominique Claude Alix Sacha Maëlle Basile Aude Firmin Hortense Lison Gaspard "
    "Agathe Célestin Romane Anatole Jeanne Léon Margaux Victor Suzanne Jules Ninon Aristide"
).split()
LAST_NAMES = (
    "Lavande Genièvre Clapier Roquebrune Serre Adret Ubac Draille Cade Lauze Bastide Restanque "
    "Calade Sarriette Thym Amandier Olivette Pinède Mélèze Ravin Torrent Bergerie Estive Cairn"
).split()
FUNCTIONS = [
    ("Secrétaire de mairie", "agent"),
    ("Maire", "elu"),
    ("Adjoint(e) au maire", "elu"),
    ("Conseiller(ère) municipal(e)", "elu"),
    ("Directeur(rice) général(e) des services", "agent"),
    ("Chargé(e) de mission", "agent"),
    ("Agent technique", "agent"),
    ("Responsable des finances", "agent"),
    ("Responsable informatique", "agent"),
    ("Directrice de crèche", "agent"),
]
SUBJECTS = [
    "un groupement de commandes",
    "l'instruction des permis de construire",
    "le document unique",
    "la taxe de séjour",
    "le transfert de la compétence tourisme",
    "le PLUi",
    "un assistant de prévention partagé",
    "la mutualisation du matériel technique",
    "le relais petite enfance",
    "la messagerie des mairies",
    "les logiciels libres de gestion",
    "le recensement de la population",
    "les dotations de l'État",
    "le service public d'assainissement non collectif",
    "l'accessibilité des bâtiments publics",
    "la formation des secrétaires de mairie",
    "le déneigement des routes communales",
    "la GEMAPI",
    "les marchés publics de faible montant",
    "la saison culturelle intercommunale",
]
OPENINGS = [
    "Comment organiser",
    "Qui a déjà mis en place",
    "Quelles démarches pour",
    "Retour d'expérience sur",
    "Faut-il une délibération pour",
    "Quel coût pour",
    "Avec quels partenaires pour",
    "Quel calendrier pour",
]
PLACES = [
    "dans une commune de 300 habitants",
    "entre deux CC",
    "en montagne",
    "à l'échelle du Pays",
]
SENTENCES = [
    "Nous sommes une petite commune et nous n'avons pas de service dédié.",
    "La CC nous a proposé une convention mais le conseil municipal hésite.",
    "La loi NOTRe a changé la répartition des compétences et nous cherchons à y voir clair.",
    "Nous avons **trois communes voisines** intéressées par une démarche commune.",
    "Le CNFPT propose une formation sur ce sujet, quelqu'un l'a-t-il suivie ?",
    "Les délais sont courts : le budget doit être voté avant la fin du trimestre.",
    "Le secrétariat de mairie est ouvert deux jours par semaine seulement.",
    "Voir aussi la fiche pratique : https://www.example.org/fiches/mutualisation",
    "Nous avons comparé deux devis, l'écart est important.",
    "La préfecture nous a demandé de préciser le montage juridique.",
]
LIST_ITEMS = [
    "une délibération de chaque conseil",
    "une convention signée par tous",
    "un coordonnateur désigné",
    "un calendrier partagé",
    "un bilan au bout d'un an",
]


def bench_name(url: str) -> str:
    """`bench` for sqlite:///…/bench.sqlite3 or postgres://…/bench: names the side files."""
    parsed = urlparse(url)
    name = Path(parsed.path).name if parsed.scheme.startswith("sqlite") else parsed.path[1:]
    return name.split(".")[0]


def samples_path(url: str) -> Path:
    return ROOT / "var" / f"{bench_name(url)}-samples.json"


def search_dir(url: str) -> Path:
    return ROOT / "var" / f"{bench_name(url)}-search"


def configure_environment():
    """Run against the benchmark database only, with production settings (DEBUG off)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is required, e.g. sqlite:////work/main/var/bench.sqlite3")
    name = bench_name(url)
    if name in ("entraide", "") or name.startswith("test"):
        sys.exit(f"Refusing to fill {url!r}: use a separate benchmark database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("SEARCH_INDEX_DIR", str(search_dir(url)))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("EMAIL_URL", "dummymail://")  # the demo's notifications stay here
    return url


def batched(iterable, size=BATCH):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Timer:
    def __init__(self):
        self.started = time.monotonic()

    def step(self, label, count=None):
        elapsed = time.monotonic() - self.started
        suffix = f" ({count:,} rows)" if count is not None else ""
        print(f"  {elapsed:7.1f} s  {label}{suffix}", flush=True)


def next_id(model):
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert(model, objects):
    total = 0
    for chunk in batched(objects):
        model.objects.bulk_create(chunk, batch_size=BATCH)
        total += len(chunk)
    return total


def body_pool(rng, size, sentences_range):
    from qa.markdown import render_markdown

    pool = []
    for _ in range(size):
        parts = [" ".join(rng.sample(SENTENCES, rng.randint(*sentences_range)))]
        if rng.random() < 0.4:
            parts.append("\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, 3)))
        if rng.random() < 0.3:
            parts.append(" ".join(rng.sample(SENTENCES, 2)))
        body = "\n\n".join(parts)
        pool.append((body, render_markdown(body)))
    return pool


def generate(scale: float, seed: int):  # noqa: C901 (one linear script, read top to bottom)
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from directory.models import Person, Position, Structure, StructureKind, User
    from directory.text import person_key
    from qa.models import Answer, Question, QuestionKind, Vote
    from taxonomy.models import Topic

    rng = random.Random(seed)
    n_questions = int(QUESTIONS * scale)
    n_answers = int(ANSWERS * scale)
    n_votes = int(VOTES * scale)
    n_people = max(50, int(PEOPLE * scale))
    n_structures = max(20, int(STRUCTURES * scale))
    timer = Timer()
    now = timezone.now()
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()

    with transaction.atomic():
        # Structures: the demo's public bodies plus fictional communes up to the target.
        existing = Structure.objects.count()
        first = next_id(Structure)
        parents = list(Structure.objects.filter(kind=StructureKind.CC).values_list("pk", flat=True))
        structures = [
            Structure(
                pk=first + number,
                name=f"Commune fictive n° {number + 1}",
                slug=f"commune-fictive-{number + 1}",
                kind=StructureKind.COMMUNE,
                parent_id=rng.choice(parents) if parents else None,
                population=rng.randint(40, 4000),
            )
            for number in range(max(0, n_structures - existing))
        ]
        insert(Structure, structures)
        structure_ids = list(Structure.objects.values_list("pk", flat=True))
        timer.step("structures", len(structure_ids))

        # People with accounts: one password hash for all (hashing 5,000 would take minutes).
        password = make_password(BENCH_PASSWORD)
        first_user = next_id(User)
        first_person = next_id(Person)
        first_position = next_id(Position)
        joined = now - timedelta(days=400)
        users, people, positions, where = [], [], [], {}
        for number in range(n_people):
            user_id, person_id = first_user + number, first_person + number
            given = FIRST_NAMES[number % len(FIRST_NAMES)]
            family = f"{LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]}-{number}"
            email = BENCH_LOGIN if number == 0 else f"personne{number}@{BENCH_DOMAIN}"
            users.append(
                User(
                    pk=user_id,
                    email=email,
                    password=password,
                    first_name=given,
                    last_name=family,
                    approved_at=joined,
                    date_joined=joined,
                )
            )
            people.append(
                Person(
                    pk=person_id,
                    user_id=user_id,
                    first_name=given,
                    last_name=family,
                    email=email,
                    consent_at=joined,
                    bio="Personne fictive générée pour le banc d'essai.",
                    search_name=person_key(given, family),
                )
            )
            function, kind = rng.choice(FUNCTIONS)
            structure_id = rng.choice(structure_ids)
            where[user_id] = (structure_id, function)
            positions.append(
                Position(
                    pk=first_position + number,
                    person_id=person_id,
                    structure_id=structure_id,
                    function=function,
                    kind=kind,
                )
            )
        insert(User, users)
        insert(Person, people)
        insert(Position, positions)
        members = Group.objects.get(name="Membres")
        Membership = User.groups.through
        insert(Membership, (Membership(user_id=user.pk, group_id=members.pk) for user in users))
        EmailAddress.objects.create(
            user_id=first_user, email=BENCH_LOGIN, verified=True, primary=True
        )
        user_ids = [user.pk for user in users]
        timer.step("people, accounts and positions", n_people)

        # Questions and discussions.
        topic_ids = list(Topic.objects.values_list("pk", flat=True))
        question_bodies = body_pool(rng, 300, (2, 4))
        answer_bodies = body_pool(rng, 300, (1, 3))
        first_question = next_id(Question)
        q_author, q_time, q_kind = [], [], []
        questions = []
        for number in range(n_questions):
            author = rng.choice(user_ids)
            created = start + timedelta(seconds=span * number / max(1, n_questions))
            kind = QuestionKind.DISCUSSION if rng.random() < 0.15 else QuestionKind.QUESTION
            title = f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)} {rng.choice(PLACES)} ?"
            body, html = rng.choice(question_bodies)
            structure_id, function = where[author]
            q_author.append(author)
            q_time.append(created)
            q_kind.append(kind)
            questions.append(
                Question(
                    pk=first_question + number,
                    kind=kind,
                    title=title,
                    slug=slugify(title)[:160],
                    body=body,
                    body_html=html,
                    author_id=author,
                    author_structure_id=structure_id,
                    author_function=function,
                    created_at=created,
                    updated_at=created,
                    last_activity_at=created,
                )
            )

        # Answers: a fifth of the questions stay unanswered, a hundred are long threads,
        # the rest share the remaining answers at random.
        answered = list(range(n_questions))
        rng.shuffle(answered)
        answered = answered[: int(n_questions * 0.8)]
        hot = answered[: min(max(1, int(HOT_THREADS * scale)), len(answered))]
        per_question = dict.fromkeys(answered, 1)
        for index in hot:
            per_question[index] = HOT_ANSWERS
        remaining = max(0, n_answers - sum(per_question.values()))
        spread = answered[len(hot) :] or answered
        for index in rng.choices(spread, k=remaining):
            per_question[index] += 1

        first_answer = next_id(Answer)
        answers, a_question, a_author = [], [], []
        answer_count = [0] * n_questions
        for index, count in sorted(per_question.items()):
            asked = q_time[index]
            for position in range(count):
                answer_id = first_answer + len(answers)
                author = rng.choice(user_ids)
                created = asked + timedelta(minutes=30 * (position + 1) + rng.randint(0, 600))
                body, html = rng.choice(answer_bodies)
                validated = rng.random() < 0.05
                answers.append(
                    Answer(
                        pk=answer_id,
                        question_id=first_question + index,
                        author_id=author,
                        body=body,
                        body_html=html,
                        created_at=created,
                        updated_at=created,
                        validated_by_id=rng.choice(user_ids) if validated else None,
                        validated_at=created + timedelta(days=1) if validated else None,
                    )
                )
                a_question.append(index)
                a_author.append(author)
                answer_count[index] += 1
                question = questions[index]
                question.last_activity_at = max(question.last_activity_at, created)
        for index, question in enumerate(questions):
            question.answer_count = answer_count[index]
        timer.step("questions and answers built in memory", len(questions) + len(answers))

        # Votes: one per member and post, never on one's own post, mostly +1. Each post's
        # voters are distinct: user index (seed + k·stride) mod n with stride prime to n.
        post_authors = q_author + a_author
        n_posts = len(post_authors)
        weights = [min(rng.paretovariate(1.2), 200.0) for _ in range(n_posts)]
        counts = [0] * n_posts
        for post in rng.choices(range(n_posts), weights=weights, k=n_votes):
            counts[post] += 1
        scores = [0] * n_posts
        stride = next(s for s in (7919, 7907, 7901, 13) if n_people % s)
        index_of_user = {user_id: position for position, user_id in enumerate(user_ids)}

        def votes():
            for post, wanted in enumerate(counts):
                wanted = min(wanted, n_people - 1)
                author_index = index_of_user[post_authors[post]]
                origin = rng.randrange(n_people)
                k = given = 0
                while given < wanted:
                    voter = (origin + k * stride) % n_people
                    k += 1
                    if voter == author_index:
                        continue
                    value = 1 if rng.random() < 0.85 else -1
                    scores[post] += value
                    given += 1
                    if post < n_questions:
                        yield Vote(
                            user_id=user_ids[voter], question_id=first_question + post, value=value
                        )
                    else:
                        answer = answers[post - n_questions]
                        yield Vote(user_id=user_ids[voter], answer_id=answer.pk, value=value)

        vote_total = insert(Vote, votes())
        timer.step("votes inserted", vote_total)

        for index, question in enumerate(questions):
            question.score = scores[index]
        for index, answer in enumerate(answers):
            answer.score = scores[n_questions + index]
        # Accepted answers: 40% of answered questions (not discussions), the best-scored one.
        best = {}
        for index, answer in enumerate(answers):
            question_index = a_question[index]
            if question_index not in best or answer.score > best[question_index].score:
                best[question_index] = answer
        accepted = 0
        for question_index, answer in best.items():
            if q_kind[question_index] == QuestionKind.QUESTION and rng.random() < 0.4:
                questions[question_index].accepted_answer_id = answer.pk
                accepted += 1
        # Questions first without their accepted answer (it does not exist yet): insert the
        # answers, then set the accepted answers in one UPDATE per batch.
        accepted_ids = {q.pk: q.accepted_answer_id for q in questions if q.accepted_answer_id}
        for question in questions:
            question.accepted_answer_id = None
        insert(Question, questions)
        Through = Question.topics.through
        insert(
            Through,
            (
                Through(question_id=question.pk, topic_id=topic_id)
                for question in questions
                for topic_id in rng.sample(topic_ids, rng.randint(1, min(3, len(topic_ids))))
            ),
        )
        timer.step("questions inserted", len(questions))
        insert(Answer, answers)
        timer.step("answers inserted", len(answers))
        Question.objects.bulk_update(
            [
                Question(pk=pk, accepted_answer_id=answer_id)
                for pk, answer_id in accepted_ids.items()
            ],
            ["accepted_answer"],
            batch_size=1000,
        )
        timer.step("accepted answers", accepted)

    reset_sequences([Structure, User, Person, Position, Question, Answer])
    if connection.vendor == "postgresql":
        # What autovacuum would do soon anyway. Not on SQLite: a default deployment never
        # runs ANALYZE there, and its statistics mislead the planner on all-NULL foreign
        # keys (see README, "Findings").
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timer.step("sequences reset, statistics gathered (PostgreSQL)")

    hot_ids = {first_question + index for index in hot}
    typical = [
        first_question + index
        for index in rng.sample(range(n_questions), min(200, n_questions))
        if first_question + index not in hot_ids and answer_count[index]
    ][:50]
    samples = {
        "login": {"email": BENCH_LOGIN, "password": BENCH_PASSWORD},
        "threads": [questions[pk - first_question].get_absolute_url() for pk in typical],
        "hot_threads": [
            questions[pk - first_question].get_absolute_url() for pk in sorted(hot_ids)
        ][:20],
        "searches": [
            "mutualisation",
            "groupement de commandes",
            "document unique",
            "reseaux",
            "PLUi",
        ],
        "counts": {
            "questions": Question.objects.count(),
            "answers": Answer.objects.count(),
            "votes": Vote.objects.count(),
            "people": Person.objects.count(),
            "structures": Structure.objects.count(),
        },
    }
    return samples


def reset_sequences(models):
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args(argv)

    url = configure_environment()
    import django

    django.setup()
    from django.core.management import call_command

    from qa.models import Question

    print(f"Benchmark database: {url}")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    if Question.objects.count() >= int(QUESTIONS * args.scale):
        print("Already generated; delete the database to start again.")
        return 0
    started = time.monotonic()
    # A throwaway database with production settings: the demo accounts get a random password
    # (the benchmark logs in with its own account).
    call_command(
        "load_demo",
        "--allow-production",
        verbosity=0,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    samples = generate(args.scale, args.seed)
    samples["generated_in_seconds"] = round(time.monotonic() - started, 1)
    samples_path(url).write_text(json.dumps(samples, indent=2, ensure_ascii=False))
    print(f"Done in {samples['generated_in_seconds']} s: {samples['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
