"""The access matrices read every table again only after a request that may have written
(`snapshot_after`). If `writes_so_far` missed a write, a GET that writes would go unreported:
these tests pin it on both databases."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from taxonomy.models import Topic
from tests import factories
from tests.security.world import snapshot, snapshot_after, writes_so_far

pytestmark = pytest.mark.django_db


def test_a_page_that_only_reads_keeps_the_snapshot(client, member):
    client.force_login(member)
    # The first page after a login may renew the session: the second writes nothing.
    assert client.get(reverse("qa:question_list")).status_code == 200
    before, writes = snapshot(), writes_so_far()
    assert client.get(reverse("qa:question_list")).status_code == 200
    after, now = snapshot_after(before, writes)
    assert (after, now) == (before, writes)
    assert after is before


def test_a_write_moves_the_count_and_the_tables_are_read_again(client, member):
    structure = factories.StructureFactory()
    client.force_login(member)
    before, writes = snapshot(), writes_so_far()
    response = client.post(reverse("directory:structure_follow", args=[structure.slug]))
    assert response.status_code == 302
    after, now = snapshot_after(before, writes)
    assert now > writes
    assert after is not before
    follows = after["directory.StructureFollow"]
    assert [row["structure_id"] for row in follows] == [structure.pk]


def test_a_write_rolled_back_still_moves_the_count():
    writes = writes_so_far()
    with pytest.raises(DatabaseError), transaction.atomic():
        Topic.objects.create(name="Annulé", slug="annule")
        raise DatabaseError("rolled back")
    assert writes_so_far() > writes
