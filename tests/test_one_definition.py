"""Each concept has one definition, in the lowest layer that owns it (issue 14).

These tests read the project's source, so a second definition written by hand fails here
rather than drifting apart from the first one, as recognised expertise once did (an expertise
a member only *requested* let them validate answers). Owners: docs/architecture.md.
"""

import importlib
import re
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("directory", "qa", "taxonomy", "website")


def _sources():
    """Project Python files: the apps, without migrations."""
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _files_containing(pattern: str) -> set[str]:
    regex = re.compile(pattern)
    return {
        str(path.relative_to(ROOT))
        for path in _sources()
        if regex.search(path.read_text(encoding="utf-8"))
    }


def test_recognised_expertise_is_filtered_only_by_the_topic_interest_queryset():
    # Everyone else asks `TopicInterest.objects.recognised() / requested() / held()`.
    assert _files_containing(r"is_confirmed\s*=") <= {
        "directory/models.py",  # the queryset verbs and the field
        "directory/services.py",  # writes: a request is created unconfirmed, then confirmed
    }


def test_the_code_reads_settings_directly():
    # A `getattr(settings, "X", default)` repeats (or invents) a default that settings.py owns.
    assert _files_containing(r"getattr\(\s*settings\s*,") == set()


def test_every_setting_the_code_reads_is_declared_once_in_website_settings():
    declared = importlib.import_module("website.settings")
    read = set()
    for path in _sources():
        read |= set(re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)", path.read_text(encoding="utf-8")))
    undeclared = {
        name for name in read if not hasattr(declared, name) and not hasattr(global_settings, name)
    }
    assert undeclared == set()


def _defining(name: str) -> set[str]:
    return _files_containing(rf"(?m)^\s*(def|class)\s+{name}\b|^{name}\s*=")


def test_accent_folding_and_text_cleaning_live_in_directory_text():
    assert _files_containing(r"unicodedata\.normalize") == {"directory/text.py"}
    assert _files_containing(r"0x202E|\\u202e") == {"directory/text.py"}  # bidi overrides
    assert _defining("fold") == {"directory/text.py"}
    assert _defining("clean_text") == {"directory/text.py"}


def test_one_clean_form_field_and_one_stop_word_list():
    assert _files_containing(r"class \w+\(forms\.CharField\)") == {"qa/forms.py"}
    assert _defining("FRENCH_STOP_WORDS") == {"website/search/analysis.py"}


def test_new_members_and_their_budget_are_defined_once():
    assert _defining("is_new_member") == {"directory/budget.py"}
    assert _defining("PostingBudget") == {"directory/budget.py"}
    assert _files_containing(r"approved_at or \w+\.date_joined") == {"directory/budget.py"}


def test_current_positions_have_one_query_and_one_order():
    assert _files_containing(r"to_attr=\"current_positions\"") == {"directory/selectors.py"}
    assert _files_containing(r"Position\.objects\.current\(\)[\s\S]{0,80}order_by") == {
        "directory/selectors.py"
    }


def test_the_index_status_is_computed_once():
    assert _defining("index_status") == {"website/search/status.py"}


def test_a_stored_file_has_one_local_path_helper():
    # The attachments' view and the Wagtail files' view both hand files to the proxy.
    assert _defining("local_path") == {"qa/storage.py"}
    assert _files_containing(r"default_storage\.path\(") == {"qa/storage.py"}


def test_a_one_off_e_mail_has_one_outbox_row_and_one_queueing():
    # To an account or to an address (the directory's invitations), the same two functions.
    assert _files_containing(r"EmailDelivery\.objects\.get_or_create") == {
        "website/notifications/emails.py"
    }
    assert _defining("outbox_row") == {"website/notifications/emails.py"}
    assert _defining("queue_once") == {"website/notifications/tasks.py"}
    assert _files_containing(r"on_commit\(lambda: (tasks\.)?enqueue_email\(delivery\.pk\)") == {
        "website/notifications/tasks.py",  # queue_once
        "website/notifications/digests.py",  # a digest's row, created once per period
    }
