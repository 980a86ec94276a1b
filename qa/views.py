from django.shortcuts import get_object_or_404, render

from website.taxonomy.models import Topic


def topic_detail(request, slug):
    topic = get_object_or_404(Topic.objects.active(), slug=slug)
    return render(request, "qa/topic_detail.html", {"topic": topic})
