"""Attachments benchmark (issue 17, « Speed and memory »).

    DATABASE_URL=sqlite:////work/main/var/bench-attachments.sqlite3 \
        .venv/bin/python benchmarks/attachments.py [--scale 1.0]

The database must be given explicitly and must not be the development or a test database
(the script migrates it and adds a member, a topic and threads). Files are stored in a
temporary `MEDIA_ROOT`, the search index in a temporary `SEARCH_INDEX_DIR`, both removed at
the end. Three measures, printed as Markdown table rows:

1. **A 100-page PDF** (`--scale` × 100 pages of text) and 2. **a 20 MB DOCX** (`--scale` ×
   20 MB: paragraphs of text and a photo-like image, as real heavy DOCX files are): each is
   posted through `qa.services.question_create` in a fresh child process, as a worker would
   see it. The extraction task runs on commit (immediate task backend, the task the worker
   runs in production), then the thread is re-indexed; the clock stops when the search
   service finds a word that exists only in the file. Reported: seconds from the post to
   « searchable » (target ≤ 30 s), the characters extracted, and the child's peak resident
   memory (`VmHWM`, target ≤ 300 MB; it includes Django and the file held in memory).
3. **A thread with 20 image attachments** (two answers of 10 photos, 1600 × 1200 at full
   scale): the thread page rendered by the Django test client, in process, median and p95 of
   `--renders` requests, beside the same thread without files, with the page's thumbnail count
   (every one `loading="lazy"`, so a browser fetches only those it shows).
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


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
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


def text_pdf(pages: int, marker: str) -> bytes:
    """A PDF of `pages` pages of text (about 40 lines each), `marker` on the last one."""
    from tests.qa.text_files import pdf_with_text

    rng = random.Random(pages)
    texts = [" ".join(rng.choice(WORDS) for _ in range(400)) for _ in range(pages)]
    texts[-1] += f" {marker}"
    # pdf_with_text writes one line per page; wrap ours in 40 lines of 10 words.
    return pdf_with_text(*[re.sub(r"((?:\S+ ){10})", r"\1) Tj T* (", t) for t in texts])


def heavy_docx(size: int, marker: str) -> bytes:
    """A DOCX of about `size` bytes: 70 % an incompressible photo, the rest paragraphs."""
    from docx import Document
    from PIL import Image

    rng = random.Random(size)
    document = Document()
    text_bytes = 0
    while text_bytes < size * 0.3 * 3:  # the XML compresses about 3 ×
        paragraph = " ".join(rng.choice(WORDS) for _ in range(60))
        document.add_paragraph(paragraph)
        text_bytes += len(paragraph) + 40
    document.add_paragraph(marker)
    side = max(int((size * 0.7 / 3) ** 0.5), 16)
    noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    photo = io.BytesIO()
    noise.save(photo, format="PNG")
    photo.seek(0)
    document.add_picture(photo)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def child(kind: str, scale: float) -> dict:
    """One file, posted and waited for, in this (fresh) process."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qa import services
    from qa.attachments import check_upload
    from website.search.backends import get_backend
    from website.search.documents import principals_for
    from website.search.results import SearchRequest

    marker = f"zorglub{kind}{random.randrange(10**6)}"
    if kind == "pdf":
        pages = max(int(100 * scale), 1)
        content, label = text_pdf(pages, marker), f"PDF, {pages} pages"
    else:
        content = heavy_docx(max(int(20 * 1024 * 1024 * scale), 20_000), marker)
        label = f"DOCX, {len(content) / 1024 / 1024:.1f} MiB"
    user = member()
    checked = check_upload(SimpleUploadedFile(f"document.{kind}", content))
    started = time.monotonic()
    question = services.question_create(
        author=user,
        title=f"Un document à lire ({kind})",
        body="Le document joint dit tout.",
        topics=[topic()],
        attachments=[checked],
    )
    backend = get_backend()
    request = SearchRequest(query=marker, principals=principals_for(user))
    while not any(hit.url == question.get_absolute_url() for hit in backend.search(request).hits):
        if time.monotonic() - started > 120:
            break
        time.sleep(0.2)
    searchable = time.monotonic() - started
    attachment = question.attachments.get()
    return {
        "label": label,
        "bytes": len(content),
        "seconds": round(searchable, 2),
        "characters": len(attachment.extracted_text),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def thread_with_images(scale: float, renders: int) -> list[str]:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings
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

    rows = []
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
        client = Client()
        client.force_login(user)
        url = question.get_absolute_url()
        # Static addresses without the manifest (no collectstatic for an in-process render).
        plain_static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=plain_static):
            client.get(url)  # warm-up
            timings = []
            for _ in range(renders):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"The thread page answered {response.status_code}.")
        html = response.content.decode()
        thumbnails = len(re.findall(r'<img src="/pieces-jointes/\d+/miniature/"', html))
        lazy = html.count('loading="lazy"')
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
        rows.append(
            f"| thread, {files} image attachments ({width} × {height}) | "
            f"{statistics.median(timings):.0f} ms | {p95:.0f} ms | {thumbnails} | {lazy} | "
            f"{len(html) / 1024:.0f} KiB |"
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--child", choices=["pdf", "docx"], help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(args.media, args.index)
        print(json.dumps(child(args.child, args.scale)))  # noqa: T201 (read by the parent)
        return
    media, index = tempfile.mkdtemp(prefix="bench-media-"), tempfile.mkdtemp(prefix="bench-idx-")
    try:
        setup_django(media, index)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("search_rebuild", verbosity=0)
        print(f"Scale {args.scale}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")  # noqa: T201
        print("| file | size | searchable after | characters | peak RSS |")  # noqa: T201
        print("|---|---:|---:|---:|---:|")  # noqa: T201
        for kind in ("pdf", "docx"):
            command = [sys.executable, __file__, "--child", kind, "--scale", str(args.scale)]
            command += ["--media", media, "--index", index]
            output = subprocess.run(  # noqa: S603 (this script, fixed arguments)
                command, capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout
            row = json.loads(output.strip().splitlines()[-1])
            print(  # noqa: T201
                f"| {row['label']} | {row['bytes'] / 1024:,.0f} KiB | {row['seconds']} s | "
                f"{row['characters']:,} | {row['peak_rss_mib']} MiB |"
            )
        print()  # noqa: T201
        print("| page | median | p95 | thumbnails | lazy | HTML |")  # noqa: T201
        print("|---|---:|---:|---:|---:|---:|")  # noqa: T201
        for row in thread_with_images(args.scale, args.renders):
            print(row)  # noqa: T201
    finally:
        shutil.rmtree(media, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)


if __name__ == "__main__":
    main()
