"""The garbage collector around a rebuild (`whoosh_writing.rebuild_collector`).

A rebuild freezes what was alive before it, to keep the collector's passes off it, and
unfreezes at the end. `gc.unfreeze()` cannot tell which objects it froze: in a process that
had frozen its own (a preloaded web worker, `website/wsgi.py`; the test suite,
`tests/conftest.py`), unfreezing at the end of a rebuild undid that for good, and every full
collection after it walked the process's millions of objects again (in a worker, it also
writes to every page shared with the master).
"""

import gc

from tests.processes import printed_json
from website.search import services

PROBE = """
import gc, json
import django
django.setup()
from website.search.backends.whoosh_writing import rebuild_collector

thresholds = gc.get_threshold()
with rebuild_collector():
    frozen_during = gc.get_freeze_count()
print(json.dumps({"during": frozen_during, "after": gc.get_freeze_count(),
                  "thresholds": gc.get_threshold() == thresholds}))
"""


def _collected_by_the_collector(obj) -> bool:
    """Whether `obj` is in a generation the collector walks (`gc.get_objects()` leaves the
    frozen ones out). Counting frozen objects would not do: one freed meanwhile leaves the
    count."""
    return any(tracked is obj for tracked in gc.get_objects())


def test_a_rebuild_keeps_what_the_process_had_frozen_frozen(whoosh_backend):
    kept = ["alive before the rebuild"]
    gc.freeze()
    assert not _collected_by_the_collector(kept)

    services.rebuild()

    assert not _collected_by_the_collector(kept)


def test_in_a_process_that_froze_nothing_the_rebuild_freezes_and_unfreezes_its_own():
    probe = printed_json(["-c", PROBE])

    assert probe["during"] > 0
    assert probe["after"] == 0
    assert probe["thresholds"] is True
