from django.urls import path

from website.pages import feeds, views

app_name = "pages"

urlpatterns = [
    path("flux/", views.feed_index, name="feed_index"),
    path("flux/veille/", feeds.RegulatoryFeed(), name="regulatory_feed"),
    path("flux/veille/<slug:topic>/", feeds.RegulatoryFeed(), name="regulatory_topic_feed"),
    path("flux/questions/<slug:topic>/", feeds.TopicQuestionsFeed(), name="questions_feed"),
    path("veille/a-reverifier/", views.recheck_list, name="recheck_list"),
    path("veille/a-reverifier/<int:pk>/revalider/", views.recheck_clear, name="recheck_clear"),
]
