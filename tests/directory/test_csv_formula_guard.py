"""The moderators' CSV never hands a spreadsheet a formula (CSV injection, OWASP).

A cell starting with `=`, `+`, `-`, `@`, their full-width forms (`＝＋－＠`, which spreadsheets
normalise), a tab, a carriage return or a line feed gets a leading apostrophe, so it opens as
text (docs/security.md, finding 15).
"""

import csv
import io

import pytest

from directory.models import PositionKind

pytestmark = pytest.mark.django_db

DANGEROUS = [
    "=HYPERLINK(1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    '＝HYPERLINK("http://example.org")',
    "＋1+1",
    "－1+1",
    "＠SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


def exported_rows(client, moderator):
    client.force_login(moderator)
    response = client.get("/annuaire/export.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("value", DANGEROUS, ids=[repr(v) for v in DANGEROUS])
def test_every_formula_prefix_is_neutralised_in_every_text_column(
    client, moderator, make_person, make_position, make_structure, value
):
    structure = make_structure(name=value, slug="piege")
    person = make_person(first_name=value, last_name=value)
    make_position(person=person, structure=structure, function=value, kind=PositionKind.ELU)
    [row] = [row for row in exported_rows(client, moderator)[1:] if row[0].endswith(value)]
    first_name, last_name, structure_name, function = row[:4]
    for cell in (first_name, last_name, structure_name, function):
        assert cell == "'" + value, (cell, value)


def test_ordinary_values_are_left_alone(client, moderator, make_person, make_position):
    person = make_person(first_name="Élodie", last_name="Jean-Baptiste")
    make_position(person=person, function="Maire-adjointe")
    [row] = [row for row in exported_rows(client, moderator)[1:] if row[0] == "Élodie"]
    assert row[:2] == ["Élodie", "Jean-Baptiste"] and row[3] == "Maire-adjointe"
