from django.urls import path
from django.views.decorators.http import require_safe

from website.pages import feeds, views

app_name = "pages"

urlpatterns = [
    path("flux/", views.feed_index, name="feed_index"),
    # Feed readers poll with GET: another method neither serves a feed nor counts as use of a
    # personal token.
    path("flux/veille/", require_safe(feeds.RegulatoryFeed()), name="regulatory_feed"),
    path(
        "flux/veille/<slug:topic>/",
        require_safe(feeds.RegulatoryFeed()),
        name="regulatory_topic_feed",
    ),
    path("flux/questions/", require_safe(feeds.AllQuestionsFeed()), name="all_questions_feed"),
    path("flux/fils/<int:pk>/", require_safe(feeds.ThreadFeed()), name="thread_feed"),
    path(
        "flux/questions/<slug:topic>/",
        require_safe(feeds.TopicQuestionsFeed()),
        name="questions_feed",
    ),
    path("flux/reunions/", require_safe(feeds.MeetingsFeed()), name="meetings_feed"),
    path("flux/reunions.ics", require_safe(feeds.meetings_calendar), name="meetings_calendar"),
    path("veille/a-reverifier/", views.recheck_list, name="recheck_list"),
    path("veille/a-reverifier/<int:pk>/revalider/", views.recheck_clear, name="recheck_clear"),
]
