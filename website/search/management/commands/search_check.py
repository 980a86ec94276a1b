"""Compare the search index with the database; `--repair` fixes what differs."""

from django.core.management.base import BaseCommand, CommandError

from website.search import services

SHOWN = 20


class Command(BaseCommand):
    help = "Report documents missing from the index, extra in it or out of date (--repair fixes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Clean crash leftovers, rebuild a missing index, extract the text of attachments "
            "never read and of CMS documents never read or changed since, re-index what differs.",
        )

    def handle(self, *args, repair=False, **options):
        report = services.check(repair=repair)
        for line in report.repaired:
            self.stdout.write(f"repaired: {line}")
        self.stdout.write(f"state: {report.state}")
        for label, uids in (
            ("missing", report.missing),
            ("extra", report.extra),
            ("stale", report.stale),
            ("attachments without extracted text", [str(pk) for pk in report.unextracted]),
            *(
                (services.TEXT_SOURCES[name].label, [str(pk) for pk in pks])
                for name, pks in report.unread.items()
            ),
        ):
            shown = ", ".join(uids[:SHOWN]) + (" …" if len(uids) > SHOWN else "")
            self.stdout.write(f"{label}: {len(uids)}" + (f" ({shown})" if uids else ""))
        if report.state != "ok":
            raise CommandError(f"search index {report.state}")
        if not report.clean and not repair:
            raise CommandError("search index out of step with the database (use --repair)")
        self.stdout.write(self.style.SUCCESS("Search index checked."))
