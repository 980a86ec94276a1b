"""A rebuild builds each document as a single update does (`all_documents` reads in batches,
with prefetching and each question's URL made from one `reverse()`)."""

from qa.models import Question
from website.search.documents import all_documents, build, uid_of


def test_the_rebuild_builds_the_documents_a_single_update_builds(ask, db):
    ask("Quelle subvention pour rénover la cantine ?")
    ask("Déneigement : qui paie le sel ?")
    odd = ask("Un identifiant d'URL à quoter")
    empty = ask("Un identifiant d'URL vide")
    Question.objects.filter(pk=odd.pk).update(slug="école %20 {x}")
    Question.objects.filter(pk=empty.pk).update(slug="")
    rebuilt = {document.uid: document for document in all_documents(chunk=2)}
    questions = list(Question.objects.all())
    assert len(questions) == 4
    for question in questions:
        single = build(uid_of(question))
        assert single.url == question.get_absolute_url()
        assert rebuilt[single.uid] == single
    assert rebuilt[f"question:{empty.pk}"].url.endswith(f"/{empty.pk}/-/")
    assert "%20%2520%20%7Bx%7D" in rebuilt[f"question:{odd.pk}"].url
