"""Downloading an attachment: the one way to its bytes, after the post's visibility check.

The reader must be allowed to see the post it hangs on (`permissions.check_download_attachment`:
members, visitors only when `PUBLIC_READ` opens reading, deleted posts and files an edit removed
from their post for moderators only). Every
response carries `nosniff` and `Content-Security-Policy: sandbox`, so a file opened on its own
runs nothing; only checked images are shown inline, everything else is a download.

A moderator removes one attachment with a reason (`attachment_remove`): a confirmation page,
then a POST; the thread's moderation log keeps the name and the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from directory.access import gate
from qa import forms, permissions, selectors, services
from qa.models import Attachment
from qa.storage import local_path

SENDFILE_HEADERS = {"nginx": "X-Accel-Redirect", "xsendfile": "X-Sendfile"}


def _load(request, pk) -> Attachment:
    attachment = get_object_or_404(
        Attachment.objects.select_related(
            "question", "answer__question", "comment__question", "comment__answer__question"
        ),
        pk=pk,
    )
    permissions.check_download_attachment(request.user, attachment)
    return attachment


@require_safe
@gate(permissions.check_read_qa)
def attachment(request, pk, name):
    """The file itself: images inline, anything else as a download under its cleaned name."""
    attachment = _load(request, pk)
    return _send(
        attachment.file.name,
        content_type=attachment.content_type,
        inline=attachment.is_image,
        filename=attachment.original_name,
    )


@require_safe
@gate(permissions.check_read_qa)
def attachment_thumbnail(request, pk):
    attachment = _load(request, pk)
    if not attachment.thumbnail:
        raise Http404(_("Ce fichier n'a pas de miniature."))
    return _send(attachment.thumbnail.name, content_type="image/jpeg", inline=True, filename="")


@require_http_methods(["GET", "HEAD", "POST"])
@gate()
def attachment_remove(request, pk):
    """Remove one attachment, for moderators: the confirmation with a required reason (works
    without JavaScript), then the removal, logged on the thread."""
    permissions.check_moderate(request.user)
    attachment = _load(request, pk)
    form = forms.AttachmentRemoveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        post = attachment.post
        services.attachment_remove(
            attachment=attachment, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _(
                "La pièce jointe « %(name)s » est retirée ; le retrait figure au journal de "
                "modération."
            )
            % {"name": attachment.original_name},
        )
        return redirect(post.get_absolute_url())
    context = {"attachment": attachment, "post": attachment.post, "form": form}
    return render(
        request, "qa/attachment_remove.html", context, status=400 if form.is_bound else 200
    )


def storage_section(user) -> str:
    """The member's attachment storage, used and left, for their own page (« Ma fiche »,
    `directory.extensions.register_account_section`)."""
    return render_to_string(
        "qa/_attachment_storage.html", {"storage": selectors.attachment_storage(user)}
    )


def _send(name: str, *, content_type: str, inline: bool, filename: str) -> HttpResponse:
    path = local_path(name)  # None from an S3-compatible bucket: the app streams
    header = SENDFILE_HEADERS.get(settings.QA_ATTACHMENT_SENDFILE) if path else None
    if header:
        # The proxy sends the bytes from its `internal` location (docs/operations.md).
        response = HttpResponse(content_type=content_type)
        target = settings.SENDFILE_URL.rstrip("/") + "/" + name
        response[header] = target if header == "X-Accel-Redirect" else path
        disposition = content_disposition_header(not inline, filename)
        if disposition:
            response["Content-Disposition"] = disposition
    else:
        try:
            stream = default_storage.open(name, "rb")
        except FileNotFoundError as error:
            raise Http404(_("Ce fichier n'existe pas.")) from error
        response = FileResponse(
            stream, as_attachment=not inline, filename=filename or None, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response
