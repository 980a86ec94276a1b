"""Wagtail collections under a view restriction: their documents are for members only."""

from wagtail.models import CollectionViewRestriction


def restricted_collection_ids() -> set[int]:
    """Collections under a view restriction (with their sub-collections): members-only files."""
    ids: set[int] = set()
    for restriction in CollectionViewRestriction.objects.select_related("collection"):
        ids.update(
            restriction.collection.get_descendants(inclusive=True).values_list("pk", flat=True)
        )
    return ids
