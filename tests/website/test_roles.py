import pytest
from django.contrib.auth.models import Group

from directory import roles


@pytest.mark.django_db
def test_the_four_roles_exist_after_migrations():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Membres", "Experts", "Modérateurs", "Éditeurs"} <= names


@pytest.mark.django_db
def test_editors_and_moderators_may_enter_the_wagtail_admin_members_may_not(
    member, moderator, editor
):
    assert editor.has_perm("wagtailadmin.access_admin")
    assert moderator.has_perm("wagtailadmin.access_admin")
    assert not member.has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
def test_predicates_follow_the_groups_and_approval(member, moderator, editor, pending_user):
    assert roles.is_member(member) and not roles.is_moderator(member)
    assert roles.is_moderator(moderator) and not roles.is_editor(moderator)
    assert roles.is_editor(editor) and not roles.is_moderator(editor)
    assert not roles.is_member(pending_user)


@pytest.mark.django_db
def test_a_deactivated_moderator_loses_every_role(moderator):
    moderator.is_active = False
    assert not roles.is_moderator(moderator)
