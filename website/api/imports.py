"""Importing a participant list into the directory: `POST /annuaire/import`, scope
`admin:import` (given by a superuser only, like `admin:staff`).

The same file formats and the same importer as the moderators' page (`directory.importer`):
by default a dry run that writes nothing and answers the row-by-row report; with
`apply=true`, the import itself, all rows or nothing. The token's account must be a moderator,
checked at each request (the token itself acts as a plain member: `website.api.auth`).
A file that cannot be read, or an import refused for errors, is a problem document carrying
the importer's messages (French, or English with `Accept-Language: en`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Query, Schema
from ninja.files import UploadedFile

from directory import importer, services
from directory.permissions import check_manage_directory
from website.api.auth import require_scope
from website.api.problems import Problem
from website.api.read import router

IMPORT = ["annuaire"]


class ImportRowOut(Schema):
    line: int
    level: str  # ok, warning, skip, error
    name: str
    structure: str
    action: str
    errors: list[str]
    notes: list[str]


class NewStructureOut(Schema):
    name: str
    kind: str
    parent: str


class DifferenceOut(Schema):
    person: str
    field: str
    current: str
    incoming: str
    effect: str


class ImportCounts(Schema):
    rows: int
    errors: int
    skipped: int
    people_created: int
    people_updated: int
    positions_created: int
    structures_created: int


class ImportReportOut(Schema):
    applied: bool
    can_apply: bool
    encoding: str
    summary: str
    counts: ImportCounts
    file_errors: list[str]
    rows: list[ImportRowOut]
    new_structures: list[NewStructureOut]
    differences: list[DifferenceOut]


def _report(report: importer.ImportReport) -> dict:
    return {
        "applied": report.applied,
        "can_apply": report.can_apply,
        "encoding": report.encoding,
        "summary": report.summary(),
        "counts": report.counts,
        "file_errors": report.file_errors,
        "rows": [
            {
                "line": row.line,
                "level": row.level,
                "name": row.display_name,
                "structure": row.structure_label,
                "action": row.action,
                "errors": row.errors,
                "notes": row.notes,
            }
            for row in report.rows
        ],
        "new_structures": [
            {"name": new.name, "kind": str(new.kind), "parent": str(new.parent or "")}
            for new in report.new_structures
        ],
        "differences": [
            {
                "person": str(d.person),
                "field": str(d.field),
                "current": d.current or "",
                "incoming": d.incoming or "",
                "effect": str(d.effect),
            }
            for d in report.differences
        ],
    }


def _errors(report: importer.ImportReport) -> list[dict]:
    errors = [{"line": None, "msg": error} for error in report.file_errors]
    errors += [
        {"line": row.line, "msg": message} for row in report.error_rows for message in row.errors
    ]
    return errors


@router.post(
    "/annuaire/import",
    response={200: ImportReportOut},
    summary="Import a participant list (dry run unless apply=true)",
    tags=IMPORT,
)
def directory_import(request, file: File[UploadedFile | None] = None, apply: Query[bool] = False):
    """The participant list as a multipart `file` field (CSV or TSV, UTF-8, UTF-16 or
    Windows-1252, as on the moderators' import page). Without `apply=true`, nothing is
    written: the answer says what the import would do, row by row."""
    require_scope(request, "admin:import")
    caller = request.auth
    # The token acts as a plain member; the account behind it must be a moderator now.
    check_manage_directory(caller.token.user)
    # Optional in the signature so that the token is checked before the form is.
    if file is None:
        raise Problem(
            422,
            "import_file_missing",
            _("Joignez la liste dans le champ « file » (multipart/form-data)."),
        )
    if file.size > importer.MAX_IMPORT_BYTES:
        raise Problem(
            413,
            "import_file_too_large",
            _("Le fichier est trop volumineux (%(size).1f Mo) : %(max)d Mo au maximum.")
            % {"size": file.size / 1024 / 1024, "max": importer.MAX_IMPORT_BYTES // 1024 // 1024},
        )
    try:
        decoded = importer.decode(file.read())
    except importer.ImportFileError as error:
        raise Problem(422, "import_file_unreadable", str(error)) from error
    report = services.directory_import(
        text=decoded.text, dry_run=not apply, encoding=decoded.encoding
    )
    if apply and not report.applied:
        raise Problem(
            422,
            "import_has_errors",
            _("Rien n'a été importé : le fichier contient des erreurs (voir le bilan)."),
            errors=_errors(report),
        )
    return _report(report)
