"""Technical views for superusers: the outbox (what was sent, what waits, why it failed)."""

from django.contrib import admin

from website.notifications.models import EmailDelivery, Notification


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
