"""The coordinator's dashboard (/pilotage/): moderators and the « Coordinateurs » group."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from directory.access import gate
from directory.exports import csv_document
from qa.models import Question
from website.charts import Chart
from website.needs import tasks as refresh_tasks
from website.needs.selectors import STALE_AFTER
from website.steering import selectors, services
from website.steering.events import expert_label
from website.steering.permissions import check_steer


def _number(value):
    return "" if value is None else value


def _topics(now):
    return (
        _("Questions ouvertes par sujet"),
        [_("Sujet"), _("Questions ouvertes")],
        selectors.open_by_topic(),
    )


def _territories(now):
    return (
        _("Questions ouvertes par territoire"),
        [_("Territoire"), _("Questions ouvertes")],
        selectors.open_by_territory(),
    )


def _delays(now, delays=None):
    delays = delays if delays is not None else selectors.delays_by_month()
    header = [
        _("Mois"),
        _("Questions posées"),
        _("Avec une réponse"),
        _("Première réponse, médiane (h)"),
        _("Première réponse, 90e centile (h)"),
        _("Avec une réponse acceptée"),
        _("Réponse acceptée, médiane (h)"),
        _("Réponse acceptée, 90e centile (h)"),
    ]
    rows = [
        (
            month.label,
            month.asked,
            month.answered,
            _number(month.first_median),
            _number(month.first_p90),
            month.accepted,
            _number(month.accepted_median),
            _number(month.accepted_p90),
        )
        for month in delays
    ]
    return _("Délais de réponse par mois (heures)"), header, rows


def _experts(now, experts=None):
    experts = experts if experts is not None else selectors.expert_response_rates()
    return (
        _("Taux de réponse des experts"),
        [_("Expert"), _("Questions reçues"), _("Questions répondues"), _("Taux (%)")],
        [(e.name, e.routed, e.answered, e.rate) for e in experts],
    )


def _day(moment):
    return date_format(timezone.localtime(moment), "Y-m-d") if moment else ""


def _communes(now, communes=None):
    communes = communes if communes is not None else selectors.commune_activity()
    return (
        _("Activité par commune (12 derniers mois)"),
        [_("Commune"), _("Questions"), _("Réponses"), _("Dernière question"), _("A déjà publié")],
        [
            (
                c.name,
                c.questions,
                c.answers,
                _day(c.last_question_at),
                _("oui") if c.ever_posted else _("non"),
            )
            for c in communes
        ],
    )


def _unanswered(now):
    return (
        _("Questions sans réponse depuis plus de 7 jours"),
        [_("Question"), _("Lien"), _("Posée le"), _("Sujets"), _("Structure"), _("Relances")],
        [
            (
                question.title,
                question.get_absolute_url(),
                _day(question.created_at),
                ", ".join(sorted(topic.name for topic in question.topics.all())),
                question.author_structure.name if question.author_structure else "",
                question.escalation_count,
            )
            for question in selectors.unanswered_questions(now)[:5000]
        ],
    )


EXPORTS = {
    "sujets": _topics,
    "territoires": _territories,
    "delais": _delays,
    "experts": _experts,
    "communes": _communes,
    "sans-reponse": _unanswered,
}


@never_cache
@require_safe
@gate(check_steer)
def dashboard(request):
    now = timezone.now()
    refreshed = refresh_tasks.refreshed(STALE_AFTER)
    delays = selectors.delays_by_month()
    experts = selectors.expert_response_rates()
    communes = selectors.commune_activity()
    tables = {
        "sujets": _topics(now),
        "territoires": _territories(now),
        "delais": _delays(now, delays),
        "experts": _experts(now, experts),
        "communes": _communes(now, communes),
    }
    unanswered = selectors.unanswered_questions(now)
    charts = {
        "topics": Chart(tables["sujets"][0], tables["sujets"][2][:20], _("questions")),
        "territories": Chart(
            tables["territoires"][0], tables["territoires"][2][:20], _("questions")
        ),
        "first": Chart(
            _("Délai médian avant la première réponse, par mois de la question"),
            [(m.label, m.first_median or 0) for m in delays],
            _("heures"),
        ),
        "accepted": Chart(
            _("Délai médian avant la réponse acceptée, par mois de la question"),
            [(m.label, m.accepted_median or 0) for m in delays],
            _("heures"),
        ),
        "experts": Chart(
            _("Taux de réponse des experts les plus sollicités"),
            [(e.name, e.rate) for e in experts[:12]],
            "%",
        ),
        "communes": Chart(
            _("Communes les plus actives (questions et réponses, 12 mois)"),
            [(c.name, c.posts) for c in sorted(communes, key=lambda c: -c.posts)[:12] if c.posts],
            _("messages"),
        ),
    }
    return render(
        request,
        "steering/dashboard.html",
        {
            "refreshed": refreshed,
            "charts": charts,
            "tables": tables,
            "delays": delays,
            "experts": experts,
            "active_communes": [c for c in communes if c.posts],
            "silent_communes": [c for c in communes if not c.ever_posted],
            "backlog": selectors.backlog(),
            "unanswered_count": unanswered.count(),
            "unanswered_days": selectors.UNANSWERED_DAYS,
        },
    )


@never_cache
@require_safe
@gate(check_steer)
def unanswered(request):
    """Questions without an answer after seven days, each with its « relancer » button."""
    page = Paginator(selectors.unanswered_questions(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "steering/unanswered.html",
        {
            "page": page,
            "unanswered_days": selectors.UNANSWERED_DAYS,
            "escalation_size": selectors.escalation_size(),
        },
    )


@never_cache
@require_safe
@gate(check_steer)
def export_csv(request, table):
    """One table of the dashboard as CSV (the site's one safe writer: no formula cell)."""
    refresh_tasks.refreshed(STALE_AFTER)
    _title, header, rows = EXPORTS[table](timezone.now())
    response = HttpResponse(csv_document(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pilotage-{table}.csv"'
    return response


@require_POST
@gate(check_steer)
def question_escalate(request, pk):
    question = get_object_or_404(Question.objects.alive(), pk=pk)
    try:
        escalation = services.question_escalate(question=question, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("steering:unanswered")
    names = ", ".join(expert_label(person) for person in escalation.experts.all())
    messages.success(
        request,
        ngettext(
            "« %(title)s » est relayée à %(count)d expert : %(names)s. Son auteur est prévenu.",
            "« %(title)s » est relayée à %(count)d experts : %(names)s. Son auteur est prévenu.",
            escalation.experts.count(),
        )
        % {"title": question.title, "count": escalation.experts.count(), "names": names},
    )
    return redirect("steering:unanswered")
