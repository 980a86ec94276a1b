"""State of the search index, for /sante/ and the results page."""

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# usable: the site answers (maybe with "search is being rebuilt") and the indexer can
# heal the index; an unwritable folder or an index that cannot be opened needs a person.
_USABLE = {"ok", "missing", "rebuilding"}


@dataclass(frozen=True)
class IndexStatus:
    state: str
    usable: bool

    @property
    def searchable(self) -> bool:
        return self.state == "ok"


def index_status() -> IndexStatus:
    """ "ok", "missing" (never built or deleted), "rebuilding", "corrupt" or "unavailable"."""
    from website.search.backends import get_backend

    try:
        state = get_backend().state()
    except Exception:
        logger.exception("Search index state unknown")
        state = "unavailable"
    return IndexStatus(state=state, usable=state in _USABLE)
