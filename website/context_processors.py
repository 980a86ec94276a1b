from django.conf import settings


def site(request):
    """Values every template needs: the site name and whether Q&A is public."""
    return {"SITE_NAME": "Entraide", "PUBLIC_READ": settings.PUBLIC_READ}
