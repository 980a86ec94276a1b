"""Webhooks in the Wagtail admin, for moderators (issue 21: « Moderators register endpoints »).

« Webhooks » lists the endpoints; registering one checks its address with the SSRF guard and
answers its secret once, on a page of its own (never in a message, which would be stored in
the session). « Envois de webhooks » is each endpoint's delivery log, read-only. « Jetons de
service » makes, lists, renames and revokes the structures' service tokens (the token shown
once, like a secret). The permissions are given to the *Modérateurs* group after every
`migrate` (`website/api/apps.py`).
"""

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy

from website.api import services as token_services
from website.api.models import (
    SERVICE_SCOPES,
    Scope,
    ServiceToken,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from website.api.webhooks import services, ssrf


class WebhookEndpointForm(WagtailAdminModelForm):
    url = forms.URLField(
        label=_("Adresse"),
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
        error_messages={"invalid": _("Saisissez une adresse web complète (https://…).")},
    )
    events = forms.MultipleChoiceField(
        label=_("Événements"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un événement."),
            "invalid_choice": _("Cet événement n'existe pas."),
        },
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            ssrf.resolve(url)
        except ssrf.UnsafeAddress as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url

    def save(self, commit=True):
        endpoint = super().save(commit=False)
        if "is_active" in self.changed_data and endpoint.is_active:
            services.endpoint_enable(endpoint=endpoint)
        if commit:
            endpoint.save()
        return endpoint


class WebhookCreateView(generic.CreateView):
    def save_instance(self):
        endpoint = self.form.save(commit=False)
        endpoint.owner = self.request.user
        self.new = services.endpoint_create(endpoint=endpoint)
        return self.new.endpoint

    def save_action(self):
        response = render(
            self.request,
            "api/webhook_secret.html",
            {
                "endpoint": self.new.endpoint,
                "secret": self.new.secret,
                "page_title": _("Secret du webhook"),
                "header_icon": "link",
                "index_url": reverse(self.index_url_name),
            },
        )
        add_never_cache_headers(response)
        return response


class WebhookEditView(generic.EditView):
    renew_secret_url_name = None

    @property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.user_has_permission("change"):
            url = reverse(self.renew_secret_url_name, args=[self.object.pk])
            buttons.append(Button(_("Renouveler le secret"), url=url, icon_name="key"))
        return buttons


class WebhookSecretRenewView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET asks to confirm; POST renews the secret and answers it once, on the secret's
    page (`no-store`). The replaced secret keeps signing for the grace period."""

    model = WebhookEndpoint
    permission_policy = ModelPermissionPolicy(WebhookEndpoint)
    permission_required = "change"
    index_url_name = None
    edit_url_name = None
    header_icon = "key"
    page_title = _("Renouveler le secret")
    template_name = "api/webhook_secret_renew.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.endpoint = get_object_or_404(WebhookEndpoint, pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            endpoint=self.endpoint,
            grace_hours=settings.API_WEBHOOKS_SECRET_GRACE_HOURS,
            edit_url=reverse(self.edit_url_name, args=[self.endpoint.pk]),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        new = services.endpoint_secret_renew(endpoint=self.endpoint)
        response = render(
            request,
            "api/webhook_secret.html",
            {
                "endpoint": new.endpoint,
                "secret": new.secret,
                "renewed": True,
                "grace_hours": settings.API_WEBHOOKS_SECRET_GRACE_HOURS,
                "page_title": _("Secret du webhook"),
                "header_icon": "link",
                "index_url": reverse(self.index_url_name),
            },
        )
        add_never_cache_headers(response)
        return response


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    icon = "link"
    menu_label = _("Webhooks")
    form_fields = ["name", "url", "events", "is_active"]
    list_display = ["name", "url", "is_active", "consecutive_failures", "disabled_reason"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    search_backend_name = None
    add_view_class = WebhookCreateView
    edit_view_class = WebhookEditView
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return WebhookEndpointForm

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(
            renew_secret_url_name=self.get_url_name("renew_secret"), **kwargs
        )

    @property
    def renew_secret_view(self):
        return self.construct_view(WebhookSecretRenewView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("secret/<int:pk>/", self.renew_secret_view, name="renew_secret"),
        ]


class DeliveryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return WebhookDelivery.objects.select_related("endpoint")


class WebhookDeliveryViewSet(ModelViewSet):
    """The delivery log: what was sent where, how many tries, the last answer or error."""

    model = WebhookDelivery
    index_view_class = DeliveryIndexView
    ordering = ["-created_at", "-pk"]
    icon = "list-ul"
    menu_label = _("Envois de webhooks")
    list_display = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
        "last_status_code",
        "last_error",
    ]
    list_filter = ["endpoint", "status", "event"]
    form_fields = []
    inspect_view_enabled = True
    inspect_view_fields = [
        "endpoint",
        "event_id",
        "event",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "body",
    ]
    copy_view_enabled = False
    search_backend_name = None


class WebhookViewSetGroup(ModelViewSetGroup):
    menu_label = _("Webhooks")
    menu_icon = "link"
    menu_order = 810
    items = (WebhookEndpointViewSet("webhooks"), WebhookDeliveryViewSet("envois-webhooks"))


class ServiceTokenForm(WagtailAdminModelForm):
    """A new service token: its structure, a name, its scopes (`SERVICE_SCOPES`), its life."""

    scopes = forms.MultipleChoiceField(
        label=_("Droits"),
        choices=[(scope.value, scope.label) for scope in SERVICE_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        error_messages={
            "required": _("Choisissez au moins un droit."),
            "invalid_choice": _("Ce droit n'existe pas."),
        },
    )
    days = forms.IntegerField(
        label=_("Durée de validité (jours)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        error_messages={
            "required": _("Indiquez une durée de validité."),
            "invalid": _("Indiquez un nombre de jours."),
            "min_value": _("La durée doit être d'au moins %(limit_value)s jour."),
            "max_value": _("La durée ne doit pas dépasser %(limit_value)s jours (un an)."),
        },
    )

    class Meta:
        model = ServiceToken
        fields = ["structure", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].required = True


class ServiceTokenEditForm(WagtailAdminModelForm):
    """An existing service token: renamed or revoked, nothing else (its secret is gone)."""

    revoke = forms.BooleanField(label=_("Révoquer ce jeton"), required=False)

    class Meta:
        model = ServiceToken
        fields = ["name"]

    def save(self, commit=True):
        token = super().save(commit=commit)
        if self.cleaned_data.get("revoke"):
            token_services.token_revoke(token=token)
        return token


class ServiceTokenCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        self.new = token_services.service_token_create(
            by=self.request.user,
            structure=data["structure"],
            name=data["name"],
            scopes=data["scopes"],
            days=data["days"],
        )
        return self.new.token

    def save_action(self):
        response = render(
            self.request,
            "api/service_token_secret.html",
            {
                "token": self.new.token,
                "secret": self.new.secret,
                "page_title": _("Jeton de service"),
                "header_icon": "key",
                "index_url": reverse(self.index_url_name),
            },
        )
        add_never_cache_headers(response)
        return response


class ServiceTokenIndexView(generic.IndexView):
    def get_base_queryset(self):
        return ServiceToken.objects.select_related("structure", "user")


class ServiceTokenViewSet(ModelViewSet):
    """The structures' service tokens (docs/api.md): never a secret, only its first
    characters; no deletion (a revoked token stays listed)."""

    model = ServiceToken
    icon = "key"
    menu_label = _("Jetons de service")
    index_view_class = ServiceTokenIndexView
    add_view_class = ServiceTokenCreateView
    ordering = ["-created_at", "-pk"]
    form_fields = ["structure", "name"]
    list_display = [
        "name",
        "structure",
        "prefix",
        "user",
        "scopes",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["structure"]
    search_fields = ["name", "prefix"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return ServiceTokenEditForm if for_update else ServiceTokenForm


@hooks.register("register_admin_viewset")
def register_webhook_viewsets():
    return WebhookViewSetGroup()


@hooks.register("register_admin_viewset")
def register_service_token_viewset():
    return ServiceTokenViewSet("jetons-de-service")
