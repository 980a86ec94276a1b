"""File formats the directory produces: moderators' CSV and a person's vCard."""

import csv
import io

from directory.models import Person

CSV_HEADER = [
    "Prénom",
    "Nom",
    "Structure",
    "Fonction",
    "Élu ou agent",
    "Mail",
    "Téléphone",
    "Apparaît dans l'annuaire",
]


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), plus the
# full-width forms spreadsheets normalise to them and a leading line feed.
FORMULA_PREFIXES = frozenset("=+-@\t\r\n＝＋－＠")


def spreadsheet_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): such a cell gets a leading apostrophe.

    Numbers pass unchanged: a negative count is data, not a formula.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    value = str(value or "")
    return "'" + value if value[:1] in FORMULA_PREFIXES else value


def csv_document(header, rows) -> str:
    """A CSV that opens as-is in French spreadsheets: BOM, semicolons, CRLF, every cell safe.

    The one way the site writes a CSV for people to open (directory, coordination views).
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()


def people_csv(people) -> str:
    """One line per current position (a person without position gets one line).

    Contact details appear only when the person made them visible to members.
    `import_directory` reads it back.
    """
    rows = []
    for person in people:
        positions = getattr(person, "current_positions", None) or [None]
        for position in positions:
            rows.append(
                [
                    person.first_name,
                    person.last_name,
                    position.structure.name if position else "",
                    position.function if position else "",
                    position.get_kind_display() if position else "",
                    person.visible_email,
                    person.visible_phone,
                    "oui" if person.is_listed else "non",
                ]
            )
    return csv_document(CSV_HEADER, rows)


def _escape(value: str) -> str:
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def person_vcard(person: Person) -> str:
    """A vCard 3.0 with what members may see: name, positions, visible contact details."""
    positions = getattr(person, "current_positions", None) or []
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_escape(person.last_name)};{_escape(person.first_name)};;;",
        f"FN:{_escape(person.full_name)}",
    ]
    if positions:
        lines.append(f"ORG:{_escape(positions[0].structure.name)}")
        lines.append(f"TITLE:{_escape(positions[0].function)}")
    if person.visible_email:
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{_escape(person.visible_email)}")
    if person.visible_phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_escape(person.visible_phone)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"
