import gc
import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

from website.checks import refuse_misconfigured_engines

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
application = get_wsgi_application()
# gunicorn runs no system checks: a misconfigured cache, database or storage stops the start
# here rather than answering 500 to the first request.
refuse_misconfigured_engines()


def _load_what_the_first_requests_would():
    """Load now what a worker otherwise loads at its first requests: the URL configuration
    (every app's views, the Wagtail admin's included), the template tag libraries and the
    search backend's modules (Whoosh and NumPy). Nothing here opens a file, an index or a
    database connection.

    With `gunicorn --preload` (docs/operations.md, « systemd units ») this runs once, in the
    master, and the workers share these pages instead of each loading its own copy
    (benchmarks/README.md, « Worker memory »); without it each worker loads them before its
    first request rather than during it."""
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 (imports every URL module, fills the resolver)
    for engine in engines.all():
        engine.engine.template_libraries  # noqa: B018 (imports every templatetags module)
    if settings.SEARCH_BACKEND == "whoosh":
        import website.search.backends.whoosh  # noqa: F401, PLC0415


_load_what_the_first_requests_would()
# With `gunicorn --preload` the workers are forked from this process: none may share a
# database connection the checks opened.
connections.close_all()
# Everything loaded so far lives as long as the process: out of the cyclic garbage
# collector's sight, a full collection no longer walks it, and in a forked worker no longer
# writes to its pages, which then stay shared with the master instead of being copied.
gc.collect()
gc.freeze()
