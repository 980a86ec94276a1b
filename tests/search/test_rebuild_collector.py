"""The garbage collector around a rebuild (`whoosh_writing.rebuild_collector`).

A rebuild freezes what was alive before it, to keep the collector's passes off it. It used to
unfreeze at the end, but `gc.unfreeze()` cannot tell which objects it froze: in a process that
had frozen its own (a preloaded web worker, `website/wsgi.py`; the test suite,
`tests/conftest.py`), that undid the process's freeze for good, and every full collection
after it walked the process's million objects again (in a worker, it also writes to every
page shared with the master). What a rebuild freezes now stays frozen.
"""

import gc

from tests.processes import printed_json
from website.search import services
from website.search.backends.whoosh_writing import REBUILD_THRESHOLDS

PROBE = """
import gc, json, weakref
import django
django.setup()
from website.search.backends.whoosh_writing import rebuild_collector

def walked(obj):
    return any(tracked is obj for tracked in gc.get_objects())

class Cycle:
    pass

garbage = Cycle()
garbage.itself = garbage
garbage_ref = weakref.ref(garbage)
del garbage
kept = ["alive before the rebuild"]
thresholds = gc.get_threshold()
with rebuild_collector():
    during = {"kept_walked": walked(kept), "garbage_alive": garbage_ref() is not None,
              "thresholds": gc.get_threshold()}
print(json.dumps({**during, "kept_walked_after": walked(kept),
                  "thresholds_after": gc.get_threshold() == thresholds}))
"""


def _walked_by_the_collector(obj) -> bool:
    """Whether `obj` is in a generation the collector walks (`gc.get_objects()` leaves the
    frozen ones out). Counting frozen objects would not do: one freed meanwhile leaves the
    count."""
    return any(tracked is obj for tracked in gc.get_objects())


def test_a_rebuild_keeps_what_the_process_had_frozen_frozen(whoosh_backend):
    kept = ["alive before the rebuild"]
    gc.freeze()
    assert not _walked_by_the_collector(kept)

    services.rebuild()

    assert not _walked_by_the_collector(kept)


def test_a_rebuild_collects_the_garbage_then_freezes_what_is_alive_for_good():
    probe = printed_json(["-c", PROBE])

    assert probe["garbage_alive"] is False
    assert probe["kept_walked"] is False
    assert probe["thresholds"] == list(REBUILD_THRESHOLDS)
    assert probe["kept_walked_after"] is False
    assert probe["thresholds_after"] is True
