"""API tokens in the Django admin, for superusers: the list (never a secret: only digests are
stored), revocation, and the one place an `admin:*` scope is given (audited on the token)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from website.api import services
from website.api.models import ApiToken, Scope


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "structure",
        "scopes",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "admin_granted_by",
    ]
    list_filter = ["revoked_at", ("structure", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user", "structure", "admin_granted_by"]
    readonly_fields = [field.name for field in ApiToken._meta.fields if field.name != "key_hash"]
    exclude = ["key_hash"]
    actions = ["grant_admin_staff", "grant_admin_import", "revoke"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # tokens are made by their owner, who sees the secret once

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the list keeps the record

    @admin.action(description=_("Donner le droit admin:staff (superutilisateurs seulement)"))
    def grant_admin_staff(self, request, queryset):
        self._grant(request, queryset, Scope.ADMIN_STAFF)

    @admin.action(description=_("Donner le droit admin:import (superutilisateurs seulement)"))
    def grant_admin_import(self, request, queryset):
        self._grant(request, queryset, Scope.ADMIN_IMPORT)

    def _grant(self, request, queryset, scope):
        granted = 0
        for token in queryset:
            try:
                services.token_admin_grant(token=token, by=request.user, scope=scope)
            except ValueError:
                continue
            granted += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d jeton a reçu le droit %(scope)s.",
                "%(count)d jetons ont reçu le droit %(scope)s.",
                granted,
            )
            % {"count": granted, "scope": scope.value},
            messages.SUCCESS,
        )

    @admin.action(description=_("Révoquer"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(token=token)
