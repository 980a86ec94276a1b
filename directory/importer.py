"""Reading a participant list (CSV/TSV) into a plan of directory changes.

The format is the one of the forum participant list: columns *Prénom, Nom* · *Structure* ·
*Mail* · *Fonction* (optionally *Téléphone*), section rows such as `► PARTICIPANTS (Élus)`,
the header row repeated mid-file, three or four columns, structure cells such as
"CC Moyen Verdon – Mairie de Castellane" with any dash and stray spaces.

This module only reads: `read_file` decodes and parses, `plan_import` compares with the
database and says what would change, row by row. `directory.services.directory_import` applies
a plan inside one transaction. Every problem becomes a French message in the report; nothing
here raises on bad input except `ImportFileError` for a file that cannot be read at all.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import Person, Position, PositionKind, Structure, StructureKind
from directory.text import DASHES, fold, key, person_key

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ImportFileError(Exception):
    """The file cannot be read at all (too big, binary, unknown encoding, no header)."""


# --- Decoding ---------------------------------------------------------------------------------


@dataclass
class DecodedFile:
    text: str
    encoding: str


def decode(data: bytes) -> DecodedFile:
    """UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252; refuses binary files."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("Le fichier est trop volumineux (%(size).1f Mo) : %(max)d Mo au maximum.")
            % {"size": len(data) / 1024 / 1024, "max": MAX_IMPORT_BYTES // 1024 // 1024}
        )
    if not data.strip():
        raise ImportFileError(_("Le fichier est vide."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedFile(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as error:
            raise ImportFileError(_("Le fichier UTF-16 est illisible.")) from error
    if b"\x00" in data[:8192] or data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            _(
                "Ce fichier n'est pas un fichier texte. Enregistrez la liste au format CSV "
                "ou « texte séparé par des tabulations » (TSV) depuis votre tableur."
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedFile(data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)")
    try:
        return DecodedFile(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("Encodage inconnu : enregistrez le fichier en UTF-8 ou en Windows-1252.")
        ) from error
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    if controls > len(text) // 100:
        raise ImportFileError(_("Ce fichier n'est pas un fichier texte (CSV ou TSV)."))
    return DecodedFile(text, "Windows-1252")


# --- Parsing ----------------------------------------------------------------------------------

KIND = "kind"
NAME, FIRST, LAST, STRUCTURE, EMAIL, FUNCTION, PHONE = (
    "name",
    "first",
    "last",
    "structure",
    "email",
    "function",
    "phone",
)
COLUMN_LABELS = {
    NAME: "Prénom, Nom",
    STRUCTURE: "Structure",
    EMAIL: "Mail",
    FUNCTION: "Fonction",
    PHONE: "Téléphone",
}
HEADER_ALIASES = {
    NAME: {"prenom nom", "nom prenom", "prenom et nom", "nom et prenom", "nom complet"},
    FIRST: {"prenom"},
    LAST: {"nom", "nom de famille"},
    STRUCTURE: {"structure", "collectivite", "organisme", "employeur", "structure collectivite"},
    EMAIL: {"mail", "e mail", "email", "courriel", "adresse mail", "adresse e mail"},
    FUNCTION: {"fonction", "poste", "fonctions"},
    PHONE: {"telephone", "tel", "portable", "telephone professionnel"},
    KIND: {"elu ou agent", "statut", "elu agent"},
}


@dataclass
class Row:
    """One data row of the file, its parsed values and what was found wrong with it."""

    line: int
    section_kind: str | None
    raw_name: str = ""
    first_name: str = ""
    last_name: str = ""
    structure_cell: str = ""
    email: str = ""
    function: str = ""
    phone: str = ""
    kind: str = PositionKind.AGENT
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Filled by the planner
    structure_label: str = ""
    action: str = ""
    skipped: bool = False

    @property
    def level(self) -> str:
        if self.errors:
            return "error"
        if self.skipped:
            return "skip"
        return "warning" if self.notes else "ok"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.raw_name

    @property
    def person_key(self) -> str:
        return person_key(self.first_name, self.last_name)


def _clean(cell: str) -> str:
    return " ".join(cell.replace("\u00a0", " ").split())


def _detect_delimiter(text: str) -> str:
    sample = text[:20000]
    if "\t" in sample:
        return "\t"
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    semicolons = sum(line.count(";") for line in lines)
    commas = sum(line.count(",") for line in lines)
    return ";" if semicolons >= commas / 2 and semicolons else ","


def _header_mapping(cells: list[str]) -> dict[str, int] | None:
    """Column positions when `cells` is a header row, else None."""
    keys = [key(cell) for cell in cells]
    mapping: dict[str, int] = {}
    for index, cell_key in enumerate(keys):
        for column, aliases in HEADER_ALIASES.items():
            if cell_key in aliases and column not in mapping:
                mapping[column] = index
    looks_like_header = (NAME in mapping or FIRST in mapping) and len(mapping) >= 2
    if not looks_like_header:
        return None
    if NAME not in mapping and FIRST in mapping and LAST not in mapping:
        # A single "Prénom Nom"-like column spelled "Prénom".
        mapping[NAME] = mapping.pop(FIRST)
    return mapping


_SECTION = re.compile(r"^\s*[►▶▸•*#>]|^\s*(participants|comite|intervenants|elus|agents)\b")


def _section_kind(label: str) -> str | None:
    folded = fold(label)
    if re.search(r"\belu", folded):
        return PositionKind.ELU
    if re.search(r"\bagent", folded):
        return PositionKind.AGENT
    return None


_PARTICLES = {"de", "du", "des", "d'", "le", "la", "van", "von", "di", "da", "del"}


def _is_upper_word(token: str) -> bool:
    bare = re.sub(r"^(d|l)['’]", "", token, flags=re.IGNORECASE)
    letters = [c for c in bare if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) >= 2


def _title(word: str) -> str:
    """ARNAUD-GIRAUD → Arnaud-Giraud, d'ALMEIDA → d'Almeida, NOËL → Noël."""
    match = re.match(r"^((?:d|l)['’])(.*)$", word, flags=re.IGNORECASE)
    if match:
        return match.group(1).lower() + _title(match.group(2))
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def split_name(raw: str) -> tuple[str, str]:
    """ "Prénom NOM" → ("Prénom", "Nom"): the family name is the run of capitalised words.

    The run is looked for at the end ("Théo d'ALMEIDA"), then at the start ("LEBRETON Hugo");
    without capitals, the last word is taken as the family name.
    """
    tokens = raw.split()
    upper = [_is_upper_word(token) for token in tokens]
    if len(tokens) == 1:
        return "", _title(tokens[0]) if upper[0] else tokens[0]
    if all(upper) or not any(upper):
        first, last = tokens[:-1], tokens[-1:]
    elif upper[-1]:
        start = len(tokens)
        while start > 0 and upper[start - 1]:
            start -= 1
        while start > 1 and tokens[start - 1].lower() in _PARTICLES:
            start -= 1
        first, last = tokens[:start], tokens[start:]
    elif upper[0]:
        end = 0
        while end < len(tokens) and upper[end]:
            end += 1
        first, last = tokens[end:], tokens[:end]
    else:
        first, last = tokens[:-1], tokens[-1:]
    last_name = " ".join(
        _title(token)
        if _is_upper_word(token)
        else token.lower()
        if token.lower() in _PARTICLES
        else token
        for token in last
    )
    return " ".join(first), last_name


_ELU_FUNCTION = re.compile(
    r"\b(maire|adjoint|adjointe|conseiller|conseillere|president|presidente|elu|elue|"
    r"delegue communautaire|deleguee communautaire)\b"
)
_AGENT_FUNCTION = re.compile(
    r"\badjoint(e)? (adm|administratif|administrative|technique|d animation|du patrimoine)|"
    r"\b(agent|secretaire|directeur|directrice|charge|chargee|responsable|resp|technicien|"
    r"technicienne|redacteur|redactrice|attache|stagiaire|instructeur|instructrice)\b"
)


def infer_kind(function: str, section_kind: str | None) -> tuple[str, str | None]:
    """Élu or agent: the section header decides; else the function; else agent (noted)."""
    if section_kind:
        return section_kind, None
    function_key = key(function)
    if function_key and _AGENT_FUNCTION.search(function_key):
        return PositionKind.AGENT, None
    if function_key and _ELU_FUNCTION.search(function_key):
        return PositionKind.ELU, None
    return PositionKind.AGENT, _("élu ou agent non précisé : enregistré comme agent")


def read_rows(text: str) -> tuple[list[Row], list[str]]:
    """Parse the decoded text into data rows (with their own errors) and file-level errors."""
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[Row] = []
    file_errors: list[str] = []
    mapping: dict[str, int] | None = None
    width = 0
    section_kind: str | None = None
    try:
        lines = list(reader)
    except csv.Error as error:
        return [], [_("Le fichier est mal formé : %(error)s") % {"error": error}]
    for line_number, raw_cells in enumerate(lines, start=1):
        cells = [_clean(cell) for cell in raw_cells]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        header = _header_mapping(cells)
        if header is not None:
            missing = [
                COLUMN_LABELS[column]
                for column in (NAME, STRUCTURE)
                if column not in header and not (column == NAME and LAST in header)
            ]
            if missing:
                file_errors.append(
                    _("Ligne %(line)d : colonne obligatoire manquante : %(columns)s.")
                    % {"line": line_number, "columns": ", ".join(missing)}
                )
                mapping = None
            else:
                mapping = header
                width = max(index for index, cell in enumerate(cells) if cell) + 1
            continue
        if len(filled) == 1 and _SECTION.search(fold(filled[0])):
            section_kind = _section_kind(filled[0])
            continue
        if mapping is None:
            if not file_errors:
                file_errors.append(
                    _(
                        "Ligne %(line)d : données sans ligne d'en-tête au-dessus. La première "
                        "ligne utile doit nommer les colonnes : « Prénom, Nom », « Structure », "
                        "« Mail », « Fonction »."
                    )
                    % {"line": line_number}
                )
            continue
        if len(rows) >= MAX_ROWS:
            file_errors.append(
                _("Le fichier dépasse %(max)d lignes : découpez-le.") % {"max": MAX_ROWS}
            )
            break
        rows.append(_parse_row(line_number, cells, mapping, section_kind, width))
    if not rows and not file_errors:
        file_errors.append(
            _(
                "Aucune ligne de participant trouvée. Les colonnes attendues sont « Prénom, "
                "Nom », « Structure », « Mail », « Fonction » et, si besoin, « Téléphone »."
            )
        )
    return rows, file_errors


def _cell(cells: list[str], mapping: dict[str, int], column: str) -> str:
    index = mapping.get(column)
    return cells[index] if index is not None and index < len(cells) else ""


def _parse_row(
    line: int, cells: list[str], mapping: dict[str, int], section: str | None, width: int
) -> Row:
    kind_cell = key(_cell(cells, mapping, KIND))
    if kind_cell.startswith("elu"):
        section = PositionKind.ELU
    elif kind_cell.startswith("agent"):
        section = PositionKind.AGENT
    row = Row(line=line, section_kind=section)
    extra = [cell for cell in cells[width:] if cell]
    if extra:
        row.errors.append(
            _("ligne mal formée : %(count)d cellules remplies au-delà des %(width)d colonnes")
            % {"count": len(extra), "width": width}
        )
    if NAME in mapping:
        row.raw_name = _cell(cells, mapping, NAME)
        if row.raw_name:
            row.first_name, row.last_name = split_name(row.raw_name)
    else:
        row.first_name = _cell(cells, mapping, FIRST)
        row.last_name = _cell(cells, mapping, LAST)
        row.raw_name = f"{row.first_name} {row.last_name}".strip()
    row.structure_cell = _cell(cells, mapping, STRUCTURE)
    row.email = _cell(cells, mapping, EMAIL).lower()
    row.function = _cell(cells, mapping, FUNCTION)
    row.phone = _cell(cells, mapping, PHONE)

    if not row.raw_name:
        row.errors.append(_("nom vide"))
    elif not row.first_name:
        row.notes.append(
            _("un seul nom (« %(name)s ») : enregistré comme nom de famille")
            % {"name": row.raw_name}
        )
    if len(row.first_name) > 100 or len(row.last_name) > 100:
        row.errors.append(_("nom trop long (100 caractères au maximum)"))
    if not row.structure_cell:
        row.errors.append(_("structure vide"))
    if row.email:
        if re.search(r"[\s,;]", row.email):
            row.errors.append(_("plusieurs adresses e-mail dans la cellule : une seule par ligne"))
        else:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(
                    _("adresse e-mail invalide : « %(email)s »") % {"email": row.email}
                )
    else:
        row.notes.append(_("pas d'adresse e-mail"))
    if len(row.function) > 200:
        row.errors.append(_("fonction trop longue (200 caractères au maximum)"))
    if len(row.phone) > 30 or (row.phone and not re.fullmatch(r"[0-9+(). \-]{6,30}", row.phone)):
        row.errors.append(_("numéro de téléphone invalide : « %(phone)s »") % {"phone": row.phone})
    row.kind, note = infer_kind(row.function, section)
    if note and row.function:
        row.notes.append(note)
    return row


# --- Structures -------------------------------------------------------------------------------

_STOP = {"de", "des", "du", "d", "la", "le", "les", "l", "sur", "en", "et"}
_ALIASES = {"st": "saint", "ste": "sainte"}
_COMMUNE_PREFIX = re.compile(r"^(mairie|commune|ville)( (de|d|du|des|de la|de l))?\b")
_CC_PREFIX = re.compile(
    r"^(cc|c c|ccmv|communaute de communes|communaute des communes)( (de|d|du|des))?\b"
)
_SPLIT = re.compile(rf"\s+[-{DASHES}]\s+|\s*[{DASHES[2:]}]\s*")
_TWO_STRUCTURES = re.compile(
    r"\s*[/;+&|]\s*|,\s*(?=(mairie|commune|cc\b|communaut))|\s+et\s+(?=(mairie|commune|cc\b|communaut))",
    flags=re.IGNORECASE,
)


def structure_key(name: str) -> tuple[str, str | None]:
    """(matching key, kind hint): "Mairie de St André" → ("saint andre", commune)."""
    folded = key(name)
    hint = None
    if _CC_PREFIX.match(folded):
        folded = _CC_PREFIX.sub("", folded, count=1)
        hint = StructureKind.CC
    elif _COMMUNE_PREFIX.match(folded):
        folded = _COMMUNE_PREFIX.sub("", folded, count=1)
        hint = StructureKind.COMMUNE
    elif folded.startswith("pays "):
        hint = StructureKind.PAYS
    words = [_ALIASES.get(word, word) for word in folded.split() if word not in _STOP]
    return " ".join(words), hint


def display_structure_name(part: str) -> str:
    """The name a new structure gets: "Mairie de Saint- Benoît" → "Saint-Benoît"."""
    name = re.sub(r"\s*-\s*", "-", part)
    name = re.sub(
        r"^(mairie|commune|ville)\s+(de\s+la\s+|de\s+l'|d['’]|de\s+|du\s+)?", "", name, flags=re.I
    )
    return name[:1].upper() + name[1:]


@dataclass
class NewStructure:
    """A structure the file names but the directory does not know: proposed for creation."""

    name: str
    kind: str
    parent: Structure | NewStructure | None
    lines: list[int] = field(default_factory=list)
    created: Structure | None = None

    def __str__(self):
        return self.name


class StructureIndex:
    """All structures in memory (a few hundred), looked up by tolerant key."""

    def __init__(self, structures):
        self.by_key: dict[str, list[Structure]] = {}
        self.new: dict[tuple, NewStructure] = {}
        for structure in structures:
            structure_key_, _hint = structure_key(structure.name)
            self.by_key.setdefault(structure_key_, []).append(structure)

    def find(self, part: str, parent=None) -> tuple[Structure | None, str | None]:
        """The structure named `part` (under `parent` when given), and a note when approximate."""
        wanted, hint = structure_key(part)
        if not wanted:
            return None, None
        candidates = self.by_key.get(wanted, [])
        exact = self._narrow(candidates, hint, parent)
        if len(exact) == 1:
            return exact[0], None
        if not candidates:
            tokens = wanted.split()
            near = [
                structure
                for other_key, structures in self.by_key.items()
                if other_key.split()[: len(tokens)] == tokens
                for structure in structures
            ]
            near = self._narrow(near, hint, parent)
            if len(near) == 1:
                return near[0], _("« %(part)s » rapproché de « %(name)s »") % {
                    "part": part,
                    "name": near[0].name,
                }
        return None, None

    @staticmethod
    def _narrow(candidates, hint, parent):
        if hint and len(candidates) > 1:
            candidates = [s for s in candidates if s.kind == hint] or candidates
        if isinstance(parent, Structure) and len(candidates) > 1:
            candidates = [s for s in candidates if s.parent_id == parent.pk] or candidates
        if hint in (StructureKind.CC, StructureKind.COMMUNE):
            candidates = [s for s in candidates if s.kind == hint]
        return candidates

    def propose(self, part: str, parent, line: int) -> NewStructure:
        wanted, hint = structure_key(part)
        kind = hint or StructureKind.PARTNER
        parent_key = getattr(parent, "pk", None) or getattr(parent, "name", None)
        new = self.new.get((kind, wanted, parent_key))
        if new is None:
            new = NewStructure(name=display_structure_name(part), kind=kind, parent=parent)
            self.new[(kind, wanted, parent_key)] = new
        new.lines.append(line)
        return new


def resolve_structure(row: Row, index: StructureIndex):
    """The structure a row's position belongs to (existing or proposed), or an error on the row."""
    cell = row.structure_cell
    if _TWO_STRUCTURES.search(cell):
        row.errors.append(
            _(
                "la cellule « %(cell)s » nomme plusieurs structures : une ligne par structure "
                "(la même personne peut figurer sur plusieurs lignes)"
            )
            % {"cell": cell}
        )
        return None
    parts = [part.strip() for part in _SPLIT.split(cell) if part.strip()]
    if len(parts) > 2:
        row.errors.append(
            _("la cellule « %(cell)s » nomme plus de deux structures") % {"cell": cell}
        )
        return None
    parent = None
    if len(parts) == 2:
        parent_part, part = parts
        parent, note = index.find(parent_part)
        _parent_key, parent_hint = structure_key(parent_part)
        parent_kind = parent.kind if parent else parent_hint
        if parent_kind not in (StructureKind.CC, StructureKind.PAYS):
            row.errors.append(
                _(
                    "la cellule « %(cell)s » nomme deux structures sans que la première soit "
                    "une communauté de communes : une ligne par structure"
                )
                % {"cell": cell}
            )
            return None
        if note:
            row.notes.append(note)
        if parent is None:
            parent = index.propose(parent_part, None, row.line)
    else:
        part = parts[0]
    structure, note = index.find(part, parent)
    if note:
        row.notes.append(note)
    if structure is None:
        structure = index.propose(part, parent, row.line)
        row.notes.append(
            _("structure inconnue « %(name)s » : elle sera créée") % {"name": structure.name}
        )
    elif isinstance(parent, Structure) and structure.parent_id not in (None, parent.pk):
        row.notes.append(
            _("« %(name)s » est rattachée à une autre structure que « %(parent)s » dans l'annuaire")
            % {"name": structure.name, "parent": parent.name}
        )
    return structure


# --- Planning ---------------------------------------------------------------------------------


@dataclass
class PersonPlan:
    """One person of the file: an existing entry to complete or a new one, and its positions."""

    first_name: str
    last_name: str
    email: str
    phone: str
    existing: Person | None
    lines: list[int] = field(default_factory=list)
    positions: list[dict] = field(default_factory=list)
    person: Person | None = None
    # The existing entry's positions that rows of the file name again.
    known_position_ids: set[int] = field(default_factory=set)

    def differences(self) -> list[Difference]:
        """For an existing entry: what the file says differently, and what the import does
        about it (it completes, never overwrites, and ends no position)."""
        person = self.existing
        if person is None:
            return []
        found = []
        for label, current, incoming in (
            (_("e-mail"), person.email, self.email),
            (_("téléphone"), person.phone, self.phone),
        ):
            if not incoming or key(current) == key(incoming):
                continue
            effect = (
                _("ajouté à la fiche")
                if not current
                else _("différent : la fiche garde le sien (à corriger à la main si besoin)")
            )
            found.append(Difference(person, label, current, incoming, effect))
        for position in self.positions:
            found.append(
                Difference(
                    person,
                    _("fonction"),
                    "",
                    f"{position['function'] or '—'} — {_structure_label(position['structure'])}",
                    _("ajoutée à la fiche"),
                )
            )
        today = timezone.localdate()
        for position in person.positions.all():
            if position.pk in self.known_position_ids:
                continue
            if position.end_date is not None and position.end_date < today:
                continue
            found.append(
                Difference(
                    person,
                    _("fonction"),
                    f"{position.function or '—'} — {position.structure}",
                    "",
                    _("absente du fichier : gardée ; à terminer si elle a pris fin"),
                )
            )
        return found


@dataclass
class Difference:
    """One difference between the file and an existing directory entry (dry run)."""

    person: Person
    field: str
    current: str
    incoming: str
    effect: str


@dataclass
class ImportReport:
    """What the file would change (dry run) or changed, with a line per row of the file."""

    rows: list[Row]
    file_errors: list[str]
    people: list[PersonPlan]
    new_structures: list[NewStructure]
    encoding: str = ""
    applied: bool = False
    valid_rows_only: bool = False

    @property
    def differences(self) -> list[Difference]:
        """The existing entries the file names, field by field (the re-import's review)."""
        return [difference for plan in self.people for difference in plan.differences()]

    @property
    def error_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows)

    @property
    def can_apply(self) -> bool:
        return not self.file_errors and (not self.error_rows or self.valid_rows_only)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "errors": len(self.error_rows),
            "skipped": sum(1 for row in self.rows if row.skipped and not row.errors),
            "people_created": sum(1 for plan in self.people if plan.existing is None),
            "people_updated": sum(
                1 for plan in self.people if plan.existing is not None and plan.positions
            ),
            "positions_created": sum(len(plan.positions) for plan in self.people),
            "structures_created": len(self.new_structures),
        }

    def summary(self) -> str:
        counts = self.counts
        return (
            _(
                "%(rows)d lignes lues, %(errors)d en erreur, %(skipped)d ignorées ; "
                "%(people_created)d fiches créées, %(people_updated)d fiches complétées, "
                "%(positions_created)d fonctions ajoutées, "
                "%(structures_created)d structures créées."
            )
            % counts
        )

    def as_text(self) -> str:
        """The row-by-row report for the command line."""
        lines = (
            [_("Encodage : %(encoding)s") % {"encoding": self.encoding}] if self.encoding else []
        )
        lines += [_("ERREUR : %(error)s") % {"error": error} for error in self.file_errors]
        labels = {
            "error": _("ERREUR"),
            "skip": _("IGNORÉE"),
            "warning": _("ATTENTION"),
            "ok": _("OK"),
        }
        for row in self.rows:
            text = _("Ligne %(line)4d [%(label)s] %(name)s") % {
                "line": row.line,
                "label": labels[row.level],
                "name": row.display_name or "—",
            }
            if row.structure_label:
                text += f" · {row.structure_label}"
            if row.action:
                text += f" → {row.action}"
            messages = row.errors + row.notes
            if messages:
                text += " (" + " ; ".join(messages) + ")"
            lines.append(text)
        for new in self.new_structures:
            lines.append(
                _("Structure à créer : %(name)s (%(kind)s%(parent)s)")
                % {
                    "name": new.name,
                    "kind": new.kind,
                    "parent": f", {new.parent}" if new.parent else "",
                }
            )
        lines.append(self.summary())
        return "\n".join(lines)


def _structure_label(structure) -> str:
    parent = structure.parent
    return f"{structure.name} ({parent.name})" if parent else structure.name


def plan_import(text: str, *, valid_rows_only: bool = False, encoding: str = "") -> ImportReport:
    """Compare the file with the directory; nothing is written."""
    rows, file_errors = read_rows(text)
    index = StructureIndex(Structure.objects.select_related("parent"))
    resolved = {}
    for row in rows:
        if row.structure_cell and not row.errors:
            structure = resolve_structure(row, index)
            if structure is not None:
                resolved[row.line] = structure
                row.structure_label = _structure_label(structure)

    keys = {row.person_key for row in rows if not row.errors and row.person_key}
    existing_people: dict[str, list[Person]] = {}
    for person in Person.objects.filter(search_name__in=keys).prefetch_related(
        "positions__structure"
    ):
        existing_people.setdefault(person.search_name, []).append(person)
    emails = {row.email for row in rows if row.email and not row.errors}
    owners_by_email: dict[str, list[str]] = {}
    for person in Person.objects.filter(email__in=emails).only("first_name", "last_name", "email"):
        owners_by_email.setdefault(person.email.lower(), []).append(person.search_name)

    plans: dict[str, PersonPlan] = {}
    seen_rows: dict[tuple, int] = {}
    first_line_by_email: dict[str, Row] = {}
    for row in rows:
        if row.errors:
            row.action = _("non importée")
            continue
        structure = resolved[row.line]
        exact = (row.person_key, key(row.structure_cell), row.email, key(row.function))
        if exact in seen_rows:
            row.skipped = True
            row.action = _("doublon exact de la ligne %(line)d : ignorée") % {
                "line": seen_rows[exact]
            }
            continue
        seen_rows[exact] = row.line
        if row.email:
            other = first_line_by_email.setdefault(row.email, row)
            if other is not row and other.person_key != row.person_key:
                row.notes.append(
                    _(
                        "adresse également donnée pour %(name)s (ligne %(line)d) : "
                        "personnes distinctes, adresse partagée"
                    )
                    % {"name": other.display_name, "line": other.line}
                )
            for owner_key in owners_by_email.get(row.email, []):
                if owner_key != row.person_key:
                    row.notes.append(_("adresse déjà utilisée par une autre fiche de l'annuaire"))
                    break
        plan = plans.get(row.person_key)
        if plan is None:
            existing = _pick_existing(existing_people.get(row.person_key, []), row, structure)
            plan = PersonPlan(
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                phone=row.phone,
                existing=existing,
            )
            plans[row.person_key] = plan
            row.action = (
                _("fiche existante n° %(id)d") % {"id": existing.pk}
                if existing
                else _("nouvelle fiche")
            )
        else:
            row.action = _("même personne que la ligne %(line)d") % {"line": plan.lines[0]}
            plan.email = plan.email or row.email
            plan.phone = plan.phone or row.phone
        plan.lines.append(row.line)
        _add_position(plan, row, structure)
    used = {id(p["structure"]) for plan in plans.values() for p in plan.positions}
    new_structures = _used_new_structures(index, used)
    return ImportReport(
        rows=rows,
        file_errors=file_errors,
        people=list(plans.values()),
        new_structures=new_structures,
        encoding=encoding,
        valid_rows_only=valid_rows_only,
    )


def _pick_existing(candidates: list[Person], row: Row, structure) -> Person | None:
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    for person in candidates:
        if row.email and person.email.lower() == row.email:
            return person
    for person in candidates:
        if any(
            position.structure_id == getattr(structure, "pk", 0)
            for position in person.positions.all()
        ):
            return person
    row.notes.append(
        _("plusieurs fiches portent ce nom : rattachée à la fiche n° %(id)d")
        % {"id": candidates[0].pk}
    )
    return candidates[0]


def _add_position(plan: PersonPlan, row: Row, structure) -> None:
    """A new position unless the person already holds it (here or in the directory)."""
    function_key = key(row.function)
    for position in plan.positions:
        if position["structure"] is structure:
            if not function_key or key(position["function"]) == function_key:
                return
            if not position["function"]:
                position.update(
                    function=row.function, kind=row.kind, lines=[*position["lines"], row.line]
                )
                return
    if plan.existing is not None and isinstance(structure, Structure):
        for position in plan.existing.positions.all():
            if position.structure_id == structure.pk and (
                not function_key or key(position.function) == function_key
            ):
                row.action += " · " + _("fonction déjà connue")
                plan.known_position_ids.add(position.pk)
                return
    kind, note = infer_kind(row.function, row.section_kind)
    if note and not row.function:
        row.notes.append(note)
    plan.positions.append(
        {"structure": structure, "function": row.function, "kind": kind, "lines": [row.line]}
    )


def _used_new_structures(index: StructureIndex, used: set[int]) -> list[NewStructure]:
    """Proposed structures some position needs, parents first. Each is taken once, by identity
    (a set of ids): looking each up in the list, field by field, grew with the square of their
    number."""
    needed: list[NewStructure] = []
    taken: set[int] = set()
    for new in index.new.values():
        if id(new) in used:
            chain = []
            node = new
            while isinstance(node, NewStructure):
                chain.append(node)
                node = node.parent
            for item in reversed(chain):
                if id(item) not in taken:
                    taken.add(id(item))
                    needed.append(item)
    return needed


def apply_plan(report: ImportReport) -> None:
    """Write the plan (called by the service inside a transaction)."""
    for new in report.new_structures:
        parent = new.parent.created if isinstance(new.parent, NewStructure) else new.parent
        new.created = Structure.objects.create(
            name=_unique_structure_name(new.name),
            slug=_unique_structure_slug(new.name),
            kind=new.kind,
            parent=parent,
        )
    for plan in report.people:
        person = plan.existing
        if person is None:
            person = Person.objects.create(
                first_name=plan.first_name,
                last_name=plan.last_name,
                email=plan.email,
                phone=plan.phone,
            )
        else:
            changed = []
            if not person.email and plan.email:
                person.email = plan.email
                changed.append("email")
            if not person.phone and plan.phone:
                person.phone = plan.phone
                changed.append("phone")
            if changed:
                person.save(update_fields=[*changed, "updated_at"])
        plan.person = person
        Position.objects.bulk_create(
            Position(
                person=person,
                structure=(
                    position["structure"].created
                    if isinstance(position["structure"], NewStructure)
                    else position["structure"]
                ),
                function=position["function"],
                kind=position["kind"],
            )
            for position in plan.positions
        )
    report.applied = True


def _unique_structure_name(name: str) -> str:
    candidate, number = name, 2
    while Structure.objects.filter(name=candidate).exists():
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def _unique_structure_slug(name: str) -> str:
    from django.utils.text import slugify

    base = slugify(name)[:190] or "structure"
    candidate, number = base, 2
    while Structure.objects.filter(slug=candidate).exists():
        candidate, number = f"{base}-{number}", number + 1
    return candidate
