from django.contrib import admin
from django.db import models

from qa.agenda.models import Meeting, Proposal, ProposalComment, Support

# A link typed without a scheme means https://, as on the site's forms (qa/agenda/forms.py).
LINKS_IN_HTTPS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    formfield_overrides = LINKS_IN_HTTPS
    list_display = ["title", "structure", "kind", "starts_at", "place", "cancelled_at"]
    list_filter = ["kind"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["created_by", "cancelled_by", "structure"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the site so signals and rules apply."""

    formfield_overrides = LINKS_IN_HTTPS

    list_display = ["title", "status", "support_count", "meeting", "created_at"]
    list_filter = ["status", "topics"]
    search_fields = ["title", "rationale"]
    raw_id_fields = ["author", "scheduled_by", "meeting", "minutes_document", "minutes_page"]
    readonly_fields = ["support_count", "status", "scheduled_at", "discussed_at"]


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    list_display = ["proposal", "user", "created_at"]
    raw_id_fields = ["proposal", "user"]


@admin.register(ProposalComment)
class ProposalCommentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "author", "created_at"]
    search_fields = ["body"]
    raw_id_fields = ["proposal", "author"]
