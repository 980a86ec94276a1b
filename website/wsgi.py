import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

from website.checks import refuse_misconfigured_engines

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
application = get_wsgi_application()
# gunicorn runs no system checks: a misconfigured cache, database or storage stops the start
# here rather than answering 500 to the first request.
refuse_misconfigured_engines()
# With `gunicorn --preload` (docs/operations.md) the workers are forked from this process:
# none may share a database connection the checks opened.
connections.close_all()
