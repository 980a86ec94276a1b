"""Reading the directory: people and structures, members only, scope `read:directory`.

What a caller sees is what the directory's pages show them, through the directory's own
selectors and form (`person_list_for`, `person_detail_for`, `structure_people`), with the
rule of the directory's CSV export (`directory.views.export_csv`): an entry whose owner
objected to the lists is left out, even for moderators (`.listed()`), since what leaves
through the API is an export. An erased account has no entry left. Each contact field is sent
only when its owner made it visible to members (`Person.visible_email`, `visible_phone`).
Positions are the current ones, in the directory's one order (`current_positions_prefetch`).
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query

from directory import selectors
from directory.forms import DirectorySearchForm
from directory.models import InterestKind, PositionKind, Structure, StructureKind
from directory.permissions import check_view_directory
from website.api.auth import require_scope
from website.api.cursors import offset_page
from website.api.problems import Problem
from website.api.read import router
from website.api.responses import etagged
from website.api.schemas import PersonDetail, PersonPage, StructureDetail, StructurePage

PEOPLE_CURSOR_SALT = "website.api.people-cursor"
STRUCTURES_CURSOR_SALT = "website.api.structures-cursor"
DIRECTORY = ["annuaire"]


def _read_directory(request) -> None:
    require_scope(request, "read:directory")
    check_view_directory(request.user)


def _structure_ref(request, structure: Structure | None) -> dict | None:
    if structure is None:
        return None
    return {
        "slug": structure.slug,
        "name": structure.name,
        "kind": structure.kind,
        "url": request.build_absolute_uri(structure.get_absolute_url()),
    }


def _person(request, person) -> dict:
    return {
        "id": person.pk,
        "name": person.full_name,
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "positions": [
            {
                "function": position.function,
                "kind": position.kind,
                "structure": _structure_ref(request, position.structure),
                "start_date": position.start_date,
            }
            for position in person.current_positions
        ],
    }


def _invalid(form) -> Problem:
    return Problem(
        422,
        "invalid_input",
        _("Certaines valeurs sont refusées : voir « errors »."),
        errors=[
            {"loc": ["query", field], "msg": str(message), "type": "invalid"}
            for field, messages in form.errors.items()
            for message in messages
        ],
    )


@router.get("/people", response=PersonPage, summary="Directory: people", tags=DIRECTORY)
def person_list(
    request,
    q: str = Query("", max_length=100, description="Words of a name."),
    topic: str | None = Query(None, max_length=100, description="A topic slug."),
    structure: str | None = Query(None, max_length=200, description="A structure slug."),
    cc: str | None = Query(None, max_length=200, description="A communauté de communes slug."),
    function: str = Query("", max_length=100),
    kind: Literal[tuple(PositionKind.values)] | None = None,  # type: ignore[valid-type]
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """The entries the directory lists for this caller, by name (experts of `topic` first),
    filtered like `/annuaire/`; paginated by a position cursor."""
    _read_directory(request)
    form = DirectorySearchForm(
        {
            "q": q,
            "sujet": topic or "",
            "structure": structure or "",
            "cc": cc or "",
            "fonction": function,
            "type": kind or "",
        }
    )
    if not form.is_valid():
        raise _invalid(form)
    data = form.cleaned_data
    # As the CSV export: entries whose owner objected are left out, even for moderators.
    people = selectors.person_list_for(
        request.user,
        selectors.PersonFilters(
            q=data["q"],
            topic=data["sujet"],
            structure=data["structure"],
            cc=data["cc"],
            function=data["fonction"],
            kind=data["type"],
        ),
    ).listed()
    page = offset_page(people, cursor=cursor, limit=limit, salt=PEOPLE_CURSOR_SALT)
    return etagged(
        request,
        {
            "items": [_person(request, person) for person in page.rows],
            "next_cursor": page.next_cursor,
        },
    )


@router.get(
    "/people/{rowid:person_id}",
    response=PersonDetail,
    summary="Directory: a person",
    tags=DIRECTORY,
)
def person_detail(request, person_id: int):
    """One entry as its page shows it: positions, expertise and interests, and the contact
    details its owner shows to members."""
    _read_directory(request)
    person = selectors.person_detail_for(request.user, person_id)
    if person is None or not person.is_listed:
        raise Problem(404, "not_found", _("Cette personne n'est pas dans l'annuaire."))
    links = list(person.topic_links.all())
    data = _person(request, person)
    data.update(
        {
            "bio": person.bio,
            "email": person.visible_email or None,
            "phone": person.visible_phone or None,
            "expertise": [link.topic.slug for link in links if link.kind == InterestKind.EXPERTISE],
            "interests": [link.topic.slug for link in links if link.kind == InterestKind.INTEREST],
        }
    )
    return etagged(request, data)


def _structure(request, structure: Structure) -> dict:
    data = _structure_ref(request, structure)
    data["parent"] = structure.parent.slug if structure.parent_id else None
    return data


@router.get("/structures", response=StructurePage, summary="Directory: structures", tags=DIRECTORY)
def structure_list(
    request,
    kind: Literal[tuple(StructureKind.values)] | None = None,  # type: ignore[valid-type]
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """Every structure of the Pays by name (the `/annuaire/structures/` page)."""
    _read_directory(request)
    structures = selectors.structure_list()
    if kind:
        structures = structures.filter(kind=kind)
    page = offset_page(structures, cursor=cursor, limit=limit, salt=STRUCTURES_CURSOR_SALT)
    return etagged(
        request,
        {
            "items": [_structure(request, structure) for structure in page.rows],
            "next_cursor": page.next_cursor,
        },
    )


@router.get(
    "/structures/{slug}",
    response=StructureDetail,
    summary="Directory: a structure",
    tags=DIRECTORY,
)
def structure_detail(request, slug: str):
    """A structure, its member structures, and the first people holding a current position
    in it (`/people?structure=` pages through all of them, with its member structures')."""
    _read_directory(request)
    structure = selectors.structure_list().filter(slug=slug).first()
    if structure is None:
        raise Problem(404, "not_found", _("Cette structure n'existe pas."))
    people = list(
        selectors.structure_people(structure, request.user).listed()[: settings.API_PAGE_SIZE]
    )
    data = _structure(request, structure)
    data.update(
        {
            "address": structure.address,
            "phone": structure.phone,
            "website": structure.website or None,
            "population": structure.population,
            "children": [
                _structure_ref(request, child) for child in structure.children.order_by("name")
            ],
            "people": [_person(request, person) for person in people],
        }
    )
    return etagged(request, data)
