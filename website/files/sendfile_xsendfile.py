"""`SENDFILE_BACKEND` for Apache's mod_xsendfile (or lighttpd): the app checks, the server
sends the file named by `X-Sendfile`. Same interface as Wagtail's streaming backend."""

from django.http import HttpResponse


def sendfile(request, filename, **kwargs):
    response = HttpResponse()
    response["X-Sendfile"] = str(filename)
    return response
