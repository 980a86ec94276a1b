"""State of the search index, for /sante/ and the results page."""

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class IndexStatus:
    state: str
    usable: bool


def index_status() -> IndexStatus:
    """The search folder must exist (or be creatable) and be writable by the indexer."""
    folder = Path(settings.SEARCH_INDEX_DIR)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return IndexStatus(state="unavailable", usable=False)
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return IndexStatus(state="unavailable", usable=False)
    return IndexStatus(state="ok", usable=True)
