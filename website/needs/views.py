"""The shared-needs page (`/besoins-partages/`) and its CSV export, for members."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from directory.access import gate
from directory.exports import csv_document
from qa.agenda.permissions import can_propose
from website.charts import Chart
from website.needs import permissions, selectors, tasks
from website.needs.forms import NeedFilterForm


def propose_url(need) -> str:
    """The agenda's proposal form, with the need's title and topics as GET parameters (the
    form's own field names), for a form that reads them."""
    query = urlencode({"title": need.title, "topics": [t.pk for t in need.topics]}, doseq=True)
    return f"{reverse('agenda:proposal_create')}?{query}"


def _refreshed():
    return tasks.refreshed(selectors.STALE_AFTER)


def _filtered(request):
    form = NeedFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    return form, form.filters() if request.GET else selectors.NeedFilters()


def _csv_url(request) -> str:
    query = request.GET.urlencode()
    return reverse("needs:export_csv") + (f"?{query}" if query else "")


@require_safe
@gate(permissions.check_view_needs)
def shared_needs(request):
    form, filters = _filtered(request)
    if filters is None:
        return render(request, "needs/index.html", {"form": form}, status=400)
    refreshed = _refreshed()
    needs = selectors.shared_needs(request.user, filters)
    for need in (*needs.by_cluster, *needs.by_topic):
        need.propose_url = propose_url(need)
    trend = Chart(
        _("Besoins exprimés par mois (questions, « même problème », soutiens)"),
        selectors.monthly_trend(filters),
        _("nombre"),
    )
    return render(
        request,
        "needs/index.html",
        {
            "form": form,
            "refreshed": refreshed,
            "needs": needs,
            "trend": trend,
            "can_propose": can_propose(request.user),
            # The export of the same needs: the page's link and each need's « et N autres ».
            "csv_url": _csv_url(request),
        },
    )


CSV_HEADER = [
    "Regroupement",
    "Besoin",
    "Sujets",
    "Communes concernées",
    "Structures concernées",
    "Communes",
    "Communautés de communes",
    "Discussions",
    "Soutiens à l'ordre du jour",
    "Réponse acceptée ou validée",
    "Experts du sujet",
]


def _csv_row(kind, need):
    return [
        kind,
        need.title,
        ", ".join(t.name for t in need.topics),
        need.commune_count,
        need.structure_count,
        ", ".join(s.name for s in need.communes),
        ", ".join(s.name for s in need.ccs),
        need.thread_count,
        need.supporters,
        (_("oui") if need.answered else _("non")) if need.threads else "",
        ", ".join(str(p) for p in need.experts),
    ]


@require_safe
@gate(permissions.check_view_needs)
def shared_needs_csv(request):
    form, filters = _filtered(request)
    if filters is None:
        return render(request, "needs/index.html", {"form": form}, status=400)
    _refreshed()
    needs = selectors.shared_needs(request.user, filters)
    rows = [_csv_row(_("discussions semblables"), need) for need in needs.by_cluster]
    rows += [_csv_row(_("sujet"), need) for need in needs.by_topic]
    response = HttpResponse(csv_document(CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="besoins-partages-{stamp}.csv"'
    return response
