"""Technical views for staff: the outbox (what was sent, what waits, why it failed), the
notifications, and the e-mails received at reply addresses."""

from django.contrib import admin
from django.db.models.functions import Length
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from website.notifications import inbound, replies
from website.notifications.models import EmailDelivery, InboundMail, Notification


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "recipient__email", "idempotency_key"]
    readonly_fields = [field.name for field in EmailDelivery._meta.fields]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__email", "event_key"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Every e-mail received at a reply or ask address, read-only, for staff holding the
    « view » permission (superusers have it). What it shows is what the moderators'
    « courriels non traités » list shows (sender, subject, status and reason, the kept and the
    quoted text, the member, the published post), plus the technical fields (Message-ID, the
    dates, the error); never the raw message, and the envelope address with its signature
    masked (the full `r+…` address lets anyone post as the member)."""

    list_display = [
        "received_at",
        "status",
        "reason",
        "sender",
        "subject",
        "user",
        "from_mismatch",
        "posted_link",
    ]
    list_filter = ["status", "reason", "from_mismatch", "received_at"]
    search_fields = ["message_id", "sender", "subject", "user__email"]
    date_hierarchy = "received_at"
    list_select_related = ["user"]
    show_full_result_count = False
    actions = None
    fields = [
        "message_id",
        "masked_envelope_to",
        "sender",
        "subject",
        "received_at",
        "processed_at",
        "status",
        "reason",
        "reason_text",
        "error",
        "user",
        "from_mismatch",
        "text",
        "quoted_text",
        "posted_link",
        "refusal_sent_at",
        "raw_size",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # kept: nothing received is lost

    @admin.display(description=_("destinataire (enveloppe)"))
    def masked_envelope_to(self, obj):
        return replies.masked(obj.envelope_to)

    @admin.display(description=_("explication du motif"))
    def reason_text(self, obj):
        return inbound.refusal_messages().get(obj.reason, "")

    @admin.display(description=_("message publié"))
    def posted_link(self, obj):
        if not obj.posted_url:
            return ""
        return format_html('<a href="{}">{}</a>', obj.posted_url, _("voir"))

    @admin.display(description=_("taille du message brut"))
    def raw_size(self, obj):
        size = InboundMail.objects.filter(pk=obj.pk).values_list(Length("raw"), flat=True).first()
        return filesizeformat(size or 0)
