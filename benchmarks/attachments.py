"""Attachments benchmark (issue 17, « Speed and memory »).

    DATABASE_URL=sqlite:////work/wt/<name>/var/bench.sqlite3 .venv/bin/python \
        benchmarks/attachments.py [--scale 1.0] [--index-dir var/bench-index] \
        [--only pdf,docx,thread] [--python-docx]

The database must be given explicitly and must not be the development or a test database
(the script migrates it and adds a member, a topic and threads). Files are stored in a
temporary `MEDIA_ROOT`; the search index in a temporary `SEARCH_INDEX_DIR`, or in
`--index-dir`, built there once (15 min at 105,000 documents under load) and reused by the
next runs. Three measures, printed as Markdown tables:

1. **A 100-page PDF** (`--scale` × 100 pages of text) and 2. **a 20 MB DOCX** (`--scale` ×
   20 MB: paragraphs of text and a photo-like image, as real heavy DOCX files are). The parent
   writes the file; a fresh child process (the « worker ») reads it, checks it
   (`check_upload`) and posts it with `qa.services.question_create`. The DOCX child runs with
   `QA_ATTACHMENT_MAX_SIZE` raised to 32 MiB (the site's default, 15 MiB, refuses it). The
   extraction task runs on commit (immediate task backend: the task the worker runs in
   production), then the thread is re-indexed; the clock, started before the upload check,
   stops when the search service finds a word of the file's first page or paragraph. A word
   of its last page is searched too: past `QA_ATTACHMENT_TEXT_MAX_CHARS` it is not indexed.
   Reported: seconds to « searchable » (target ≤ 30 s), characters extracted, the child's
   resident memory before the post and its peak (`VmHWM`, target ≤ 300 MB), and the wall and
   CPU seconds of each stage (upload check, extraction, document build, Whoosh lock,
   `update_document`, commit and its merge, search query). `--python-docx` reads the DOCX
   with the reader used before December 4, to compare.
3. **A thread with 20 image attachments** (two answers of 10 photos, 1600 × 1200 at full
   scale) beside the same thread without files: the thread page rendered by the Django test
   client, in process, `--renders` times each, alternated: median and p95 wall time, median
   CPU time, SQL queries, and the thumbnails in the page (`loading="lazy"`, and sized:
   `width`/`height`, so nothing moves while they load).
"""

import argparse
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "commune conseil délibération marché public voirie convention groupement commande "
    "travaux budget subvention agent élu syndicat eau assainissement école cantine tarif "
    "article arrêté maire adjoint secrétaire intercommunalité compétence transfert"
).split()
MEMBER_EMAIL = "membre.pieces@bench.example.org"
DOCX_LIMIT = 32 * 1024 * 1024  # QA_ATTACHMENT_MAX_SIZE of the DOCX child only


def setup_django(media: str, index: str):
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a throwaway database (see the docstring).")
    name = Path(urlparse(url).path).name
    if name.startswith(("entraide", "test")) and "bench" not in name:
        sys.exit("Refusing to use the development or a test database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    os.environ["DJANGO_DEBUG"] = "false"  # production code path, no query log in memory
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ["MEDIA_ROOT"] = media
    os.environ["SEARCH_INDEX_DIR"] = index
    import django

    django.setup()


def peak_rss_mib(field: str = "VmHWM") -> float:
    """This process's peak resident memory (`VmRSS`: the current one), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def member():
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from directory.models import User

    user = User.objects.filter(email=MEMBER_EMAIL).first()
    if user is None:  # an approved member: the search shows them members' threads
        user = User.objects.create_user(email=MEMBER_EMAIL, approved_at=timezone.now())
        user.groups.add(Group.objects.get(name="Membres"))
    return user


def topic():
    from taxonomy.models import Topic

    return Topic.objects.get_or_create(slug="bench-pieces", defaults={"name": "Pièces"})[0]


def text_pdf(pages: int, marker: str, tail: str) -> bytes:
    """A PDF of `pages` pages of text (about 40 lines each): `marker` on the first page,
    `tail` on the last (past `QA_ATTACHMENT_TEXT_MAX_CHARS` at full size: not indexed)."""
    from tests.qa.text_files import pdf_with_text

    rng = random.Random(pages)
    texts = [" ".join(rng.choice(WORDS) for _ in range(400)) for _ in range(pages)]
    texts[0] = f"{marker} {texts[0]}"
    texts[-1] += f" {tail}"
    # pdf_with_text writes one line per page; wrap ours in 40 lines of 10 words.
    return pdf_with_text(*[re.sub(r"((?:\S+ ){10})", r"\1) Tj T* (", t) for t in texts])


def heavy_docx(size: int, marker: str, tail: str) -> bytes:
    """A DOCX of at least `size` bytes: paragraphs of text (about 30 % of the file; `marker`
    in the first, `tail` in the last), then a photo-like (incompressible) image for the rest."""
    from docx import Document
    from PIL import Image

    rng = random.Random(size)
    document = Document()
    document.add_paragraph(marker)
    text_bytes = 0
    while text_bytes < size * 0.3 * 3:  # the XML compresses about 3 ×
        paragraph = " ".join(rng.choice(WORDS) for _ in range(60))
        document.add_paragraph(paragraph)
        text_bytes += len(paragraph) + 40
    document.add_paragraph(tail)
    output = io.BytesIO()
    document.save(output)
    side = int((max(size - len(output.getvalue()), 768) / 3) ** 0.5) + 1
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    photo = io.BytesIO()
    noise.save(photo, format="PNG")
    photo.seek(0)
    document.add_picture(photo)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


class Stages:
    """Wall and CPU seconds of the functions a post goes through, accumulated by name."""

    def __init__(self):
        self.totals: dict[str, list[float]] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        row = self.totals.setdefault(name, [0, 0.0, 0.0])
        row[0] += 1
        row[1] += wall
        row[2] += cpu

    def wrap(self, owner, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - wall, time.process_time() - cpu)

        setattr(owner, attribute, timed)

    def rows(self) -> list[dict]:
        return [
            {"stage": name, "calls": calls, "wall": round(wall, 3), "cpu": round(cpu, 3)}
            for name, (calls, wall, cpu) in self.totals.items()
        ]


def instrument(stages: Stages) -> None:
    """Time each step between the post and « searchable » (the immediate task backend runs
    the tasks inside the post's commit callbacks, so the steps nest: see STAGES)."""
    from whoosh.writing import SegmentWriter

    from qa import services as qa_services
    from website.search import documents
    from website.search import services as search_services
    from website.search.backends.whoosh import WhooshBackend

    stages.wrap(qa_services, "attachment_text_extract", "extraction task")
    stages.wrap(qa_services, "extract_text", "  text extraction (qa.extraction)")
    stages.wrap(search_services, "sync", "index task (sync_documents)")
    stages.wrap(documents, "build_many", "  thread document built (database)")
    stages.wrap(WhooshBackend, "_open_for_write", "  index opened, unchanged skipped")
    stages.wrap(WhooshBackend, "_writer", "  write lock taken")
    stages.wrap(SegmentWriter, "update_document", "  document analysed (update_document)")
    stages.wrap(SegmentWriter, "commit", "  commit")
    stages.wrap(SegmentWriter, "_merge_segments", "    of which segment merge")


def python_docx_paragraphs(content: bytes):
    """The DOCX reader before December 4 (`--python-docx`), for comparison: python-docx loads
    every part of the package (the pictures too) and the whole document tree."""
    from docx import Document

    document = Document(io.BytesIO(content))
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        for row in table.rows:
            yield " ".join(cell.text for cell in row.cells)


def make_file(kind: str, scale: float, folder: str) -> dict:
    """The file to post, written to `folder` by the parent: the child (the « worker ») then
    holds only what posting and extracting it cost, not the building of a 20 MB DOCX."""
    marker = f"zorglub{kind}{random.randrange(10**6)}"
    tail = f"finale{kind}{random.randrange(10**6)}"
    if kind == "pdf":
        pages = max(int(100 * scale), 1)
        content, label = text_pdf(pages, marker, tail), f"PDF, {pages} pages"
    else:
        content = heavy_docx(max(int(20 * 1024 * 1024 * scale), 20_000), marker, tail)
        label = f"DOCX, {len(content) / 1024 / 1024:.1f} MiB"
    path = Path(folder) / f"document.{kind}"
    path.write_bytes(content)
    return {"kind": kind, "path": str(path), "marker": marker, "tail": tail, "label": label}


def child(spec: dict) -> dict:
    """One file, posted and waited for, in this (fresh) process."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qa import services
    from qa.attachments import check_upload
    from website.search.backends import get_backend
    from website.search.documents import principals_for
    from website.search.results import SearchRequest

    kind, marker, tail, label = spec["kind"], spec["marker"], spec["tail"], spec["label"]
    if spec.get("python_docx"):
        from qa import extraction

        extraction.READERS["docx"] = python_docx_paragraphs
        label += " (python-docx reader)"
    content = Path(spec["path"]).read_bytes()
    user, where = member(), topic()
    backend = get_backend()
    backend.search(SearchRequest(query="commune", principals=principals_for(user)))  # warm
    rss_before = peak_rss_mib("VmRSS")  # Django, the index's searcher and the file read
    stages = Stages()
    instrument(stages)
    wall, cpu = time.perf_counter(), time.process_time()
    started = time.monotonic()
    checked = check_upload(SimpleUploadedFile(f"document.{kind}", content))
    stages.add(
        "upload checked (type, ZIP, antivirus)",
        time.perf_counter() - wall,
        time.process_time() - cpu,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    question = services.question_create(
        author=user,
        title=f"Un document à lire ({kind})",
        body="Le document joint dit tout.",
        topics=[where],
        attachments=[checked],
    )
    stages.add(
        "question_create, tasks included", time.perf_counter() - wall, time.process_time() - cpu
    )
    request = SearchRequest(query=marker, principals=principals_for(user))
    url, polls = question.get_absolute_url(), 0
    while True:
        wall, cpu = time.perf_counter(), time.process_time()
        found = any(hit.url == url for hit in backend.search(request).hits)
        stages.add("search query", time.perf_counter() - wall, time.process_time() - cpu)
        polls += 1
        if found or time.monotonic() - started > 120:
            break
        time.sleep(0.2)
    searchable = time.monotonic() - started
    tail_request = SearchRequest(query=tail, principals=principals_for(user))
    attachment = question.attachments.get()
    return {
        "label": label,
        "bytes": len(content),
        "limit": settings.QA_ATTACHMENT_MAX_SIZE,
        "found": found,
        "seconds": round(searchable, 2),
        "polls": polls,
        "tail_found": any(hit.url == url for hit in backend.search(tail_request).hits),
        "characters": len(attachment.extracted_text),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "rss_before_mib": round(rss_before, 1),
        "stages": stages.rows(),
    }


def thread_with_images(scale: float, renders: int) -> list[str]:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from PIL import Image

    from qa import services
    from qa.attachments import check_upload

    user = member()
    width, height = max(int(1600 * scale**0.5), 64), max(int(1200 * scale**0.5), 48)
    rng = random.Random(20)

    def photo(number):
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=85)
        return check_upload(SimpleUploadedFile(f"photo-{number}.jpg", output.getvalue()))

    threads = {}
    for files in (0, 20):
        question = services.question_create(
            author=user,
            title=f"Un fil avec {files} photos",
            body="Voici les photos du chantier.",
            topics=[topic()],
        )
        for answer in range(2):
            services.answer_create(
                question=question,
                author=user,
                body=f"Réponse {answer + 1} avec des photos.",
                attachments=[photo(n) for n in range(files // 2)],
            )
        threads[files] = question.get_absolute_url()
    client = Client()
    client.force_login(user)
    # Static addresses without the manifest (no collectstatic for an in-process render).
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    walls = {files: [] for files in threads}
    cpus = {files: [] for files in threads}
    queries, pages = {}, {}
    with override_settings(STORAGES=plain_static):
        for url in threads.values():
            client.get(url)  # warm-up, both threads before any measure
        for _ in range(renders):  # alternated, so that both see the same machine
            for files, url in threads.items():
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                walls[files].append((time.perf_counter() - wall) * 1000)
                cpus[files].append((time.process_time() - cpu) * 1000)
                if response.status_code != 200:
                    sys.exit(f"The thread page answered {response.status_code}.")
                pages[files] = response.content.decode()
        for files, url in threads.items():
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries[files] = len(captured)
    rows = []
    for files in threads:
        html, timings = pages[files], walls[files]
        images = re.findall(r'<img src="/pieces-jointes/\d+/miniature/"[^>]*>', html)
        lazy = sum('loading="lazy"' in image for image in images)
        sized = sum(" width=" in image and " height=" in image for image in images)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
        rows.append(
            f"| thread, {files} image attachments ({width} × {height}) | "
            f"{statistics.median(timings):.0f} ms | {p95:.0f} ms | "
            f"{statistics.median(cpus[files]):.0f} ms | {queries[files]} | {len(images)} | "
            f"{lazy} | {sized} | {len(html) / 1024:.0f} KiB |"
        )
    return rows


def run_child(kind: str, args, media: str, index: str) -> dict | None:
    folder = tempfile.mkdtemp(prefix="bench-file-")
    try:
        spec = make_file(kind, args.scale, folder)
        spec["python_docx"] = args.python_docx
        return _run_child(spec, media, index)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_child(spec: dict, media: str, index: str) -> dict | None:
    kind = spec["kind"]
    command = [sys.executable, __file__, "--child", json.dumps(spec)]
    command += ["--media", media, "--index", index]
    environment = dict(os.environ)
    if kind == "docx":
        # The 20 MB DOCX is above the site's own per-file limit (15 MiB by default):
        # this measurement raises it, as an operator would, in this child only.
        environment["QA_ATTACHMENT_MAX_SIZE"] = str(DOCX_LIMIT)
    finished = subprocess.run(  # noqa: S603 (this script, fixed arguments)
        command, capture_output=True, text=True, cwd=ROOT, env=environment, check=False
    )
    if finished.returncode:
        print(f"| {kind} | child failed: {finished.stderr.strip().splitlines()[-1:]} |")  # noqa: T201
        return None
    return json.loads(finished.stdout.strip().splitlines()[-1])


def print_files(rows: list[dict]) -> None:
    print(  # noqa: T201
        "| file | size | searchable after | characters | last page/paragraph found "
        "| RSS before the post | peak RSS |"
    )  # noqa: T201
    print("|---|---:|---:|---:|---|---:|---:|")  # noqa: T201
    for row in rows:
        after = f"{row['seconds']} s" if row["found"] else f"not found after {row['seconds']} s"
        print(  # noqa: T201
            f"| {row['label']} | {row['bytes'] / 1024:,.0f} KiB | {after} | "
            f"{row['characters']:,} | {'yes' if row['tail_found'] else 'no (text cap)'} | "
            f"{row['rss_before_mib']} MiB | {row['peak_rss_mib']} MiB |"
        )
    print()  # noqa: T201
    print("| stage | " + " | ".join(f"{r['label']}: calls, wall, CPU" for r in rows) + " |")  # noqa: T201
    print("|---|" + "---:|" * len(rows))  # noqa: T201
    names = list(dict.fromkeys(stage["stage"] for row in rows for stage in row["stages"]))
    for name in names:
        cells = []
        for row in rows:
            stage = next((s for s in row["stages"] if s["stage"] == name), None)
            cells.append(
                f"{stage['calls']} × , {stage['wall']:.3f} s, {stage['cpu']:.3f} s"
                if stage
                else "—"
            )
        print(
            f"| {name.strip()}{' (nested)' if name.startswith(' ') else ''} | "
            + " | ".join(cells)
            + " |"
        )  # noqa: T201


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument(
        "--index-dir",
        help="keep the search index in this folder (built once, reused by the next runs)",
    )
    parser.add_argument(
        "--only", default="pdf,docx,thread", help="what to measure (default: pdf,docx,thread)"
    )
    parser.add_argument(
        "--python-docx",
        action="store_true",
        help="read the DOCX with python-docx, the reader before December 4 (to compare)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the file to post, as JSON
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(args.media, args.index)
        print(json.dumps(child(json.loads(args.child))))  # noqa: T201 (read by the parent)
        return
    only = set(args.only.split(","))
    media = tempfile.mkdtemp(prefix="bench-media-")
    index = args.index_dir or tempfile.mkdtemp(prefix="bench-idx-")
    try:
        setup_django(media, index)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        if not (Path(index) / "current").exists():
            call_command("search_rebuild", verbosity=0)
        load = os.getloadavg()
        print(  # noqa: T201
            f"Scale {args.scale}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )
        rows = [run_child(kind, args, media, index) for kind in ("pdf", "docx") if kind in only]
        if rows:
            print_files([row for row in rows if row])
            print()  # noqa: T201
        if "thread" in only:
            print(
                "| page | median | p95 | CPU median | queries | thumbnails | lazy | sized | HTML |"
            )  # noqa: T201
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")  # noqa: T201
            for row in thread_with_images(args.scale, args.renders):
                print(row)  # noqa: T201
        load = os.getloadavg()
        print(f"Load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # noqa: T201
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if not args.index_dir:
            shutil.rmtree(index, ignore_errors=True)


if __name__ == "__main__":
    main()
