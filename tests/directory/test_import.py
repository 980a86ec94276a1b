"""Importing a participant list: the sample file's quirks and every kind of bad input."""

import pytest
from django.core.management import CommandError, call_command

from directory import importer, services
from directory.importer import ImportFileError, decode, split_name
from directory.models import Person, Position, PositionKind, Structure

pytestmark = pytest.mark.django_db

HEADER = "Prénom, Nom\tStructure\tMail\tFonction\n"


def run(text, *, dry_run=False, valid_rows_only=False):
    return services.directory_import(text=text, dry_run=dry_run, valid_rows_only=valid_rows_only)


def row_for(report, line):
    return next(row for row in report.rows if row.line == line)


def test_the_dry_run_of_the_sample_file_reports_every_row_and_writes_nothing(
    territory, sample_bytes
):
    decoded = decode(sample_bytes)
    report = run(decoded.text, dry_run=True)
    assert Person.objects.count() == 0
    assert report.counts["rows"] == 36
    assert report.counts["people_created"] == 32
    assert [row.line for row in report.error_rows] == [45]
    assert "adresse e-mail invalide" in row_for(report, 45).errors[0]
    assert not report.applied


def test_a_file_with_one_bad_row_imports_nothing_unless_valid_rows_only_is_chosen(
    territory, sample_bytes
):
    text = decode(sample_bytes).text
    report = run(text)
    assert not report.applied and Person.objects.count() == 0
    report = run(text, valid_rows_only=True)
    assert report.applied
    assert Person.objects.count() == 32
    assert not Person.objects.filter(last_name="Castel").exists()


def test_the_sample_quirks_are_resolved_as_documented(territory, sample_bytes):
    run(decode(sample_bytes).text, valid_rows_only=True)
    # En dash, em dash, hyphen with stray spaces, "Commune de"/"Mairie de", case variants.
    assert Position.objects.get(person__last_name="Brun").structure.name == "Castellane"
    vignal = Person.objects.get(last_name="Vignal")
    assert [(p.structure.name, p.function, p.kind) for p in vignal.positions.all()] == [
        ("Saint-Benoît", "Maire", PositionKind.ELU)
    ]
    assert Position.objects.get(person__last_name="d'Almeida").structure.name == "Annot"
    # The same secretary serves two communes: one person, two positions.
    haddad = Person.objects.get(last_name="Haddad")
    assert sorted(p.structure.name for p in haddad.positions.all()) == ["Barrême", "Clumanc"]
    # A generic town-hall mailbox shared by two people: two people.
    assert Person.objects.filter(email="mairie@lapalud.example.org").count() == 2
    # An exact duplicate row is imported once.
    assert Person.objects.filter(last_name="Martin", first_name="Léa").count() == 1
    # Single name, no e-mail, "Saint André" matched to Saint-André-les-Alpes.
    assert Person.objects.get(last_name="Mireille").first_name == ""
    assert Person.objects.get(last_name="Perrin").email == ""
    assert Position.objects.get(person__last_name="Pages").structure.slug == "saint-andre-les-alpes"
    assert Position.objects.get(person__last_name="Leroux").structure.name.startswith("PNR")


def test_elu_or_agent_comes_from_the_section_then_the_function(territory, sample_bytes):
    run(decode(sample_bytes).text, valid_rows_only=True)
    assert Position.objects.get(person__last_name="Fabre").kind == PositionKind.ELU
    # "Adjoint adm." in the agents section is an administrative grade, not an élu.
    assert Position.objects.get(person__last_name="Gimenez").kind == PositionKind.AGENT
    assert Position.objects.get(person__last_name="Noël").kind == PositionKind.AGENT


def test_importing_the_same_file_twice_changes_nothing_the_second_time(territory, sample_bytes):
    text = decode(sample_bytes).text
    run(text, valid_rows_only=True)
    people, positions = Person.objects.count(), Position.objects.count()
    report = run(text, valid_rows_only=True)
    assert report.counts["people_created"] == 0
    assert report.counts["positions_created"] == 0
    assert (Person.objects.count(), Position.objects.count()) == (people, positions)


def test_an_existing_entry_is_completed_not_duplicated(territory):
    person = Person.objects.create(first_name="Xavier", last_name="Brun")
    report = run(
        HEADER + "Xavier BRUN\tCC Moyen Verdon – Mairie de Castellane\txb@example.org\tDGS\n"
    )
    assert report.applied
    person.refresh_from_db()
    assert Person.objects.count() == 1
    assert person.email == "xb@example.org"
    assert person.positions.get().function == "DGS"


def test_unknown_structures_are_proposed_then_created_under_their_cc(territory):
    text = HEADER + "Aline TESTE\tCC Moyen Verdon – Mairie de Vergons-Fictif\t\tMaire\n"
    dry = run(text, dry_run=True)
    assert [new.name for new in dry.new_structures] == ["Vergons-Fictif"]
    assert not Structure.objects.filter(name="Vergons-Fictif").exists()
    run(text)
    created = Structure.objects.get(name="Vergons-Fictif")
    assert created.kind == "commune" and created.parent.name == "CC Moyen Verdon"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("\tMairie de Barrême\ta@example.org\tMaire", "nom vide"),
        ("Jean TEST\t\ta@example.org\tMaire", "structure vide"),
        ("Jean TEST\tMairie de Barrême\tpas-une-adresse\tMaire", "adresse e-mail invalide"),
        ("Jean TEST\tMairie de Barrême / Mairie de Clumanc\ta@example.org\tMaire", "plusieurs"),
        ("Jean TEST\tMairie de Barrême et Mairie de Clumanc\ta@example.org\tMaire", "plusieurs"),
        ("Jean TEST\tMairie de Barrême – Mairie de Clumanc\ta@example.org\tMaire", "deux"),
        ("Jean TEST\tMairie de Barrême\ta@example.org\tMaire\tx\ty", "mal formée"),
        ("Jean TEST\tMairie de Barrême\ta@example.org; b@example.org\tMaire", "plusieurs"),
    ],
)
def test_bad_rows_get_a_clear_french_message_and_block_the_import(territory, row, message):
    report = run(HEADER + "Ok VALIDE\tMairie de Barrême\tok@example.org\tMaire\n" + row + "\n")
    assert not report.applied
    assert Person.objects.count() == 0
    assert message in " ".join(report.rows[-1].errors)
    assert report.rows[0].errors == []


def test_missing_columns_are_reported_for_the_file(territory):
    report = run("Prénom, Nom\tMail\tFonction\nJean TEST\ta@example.org\tMaire\n")
    assert report.file_errors and "Structure" in report.file_errors[0]
    assert not report.applied


def test_a_file_without_header_is_refused(territory):
    report = run("Jean TEST\tMairie de Barrême\ta@example.org\tMaire\n")
    assert report.file_errors and "en-tête" in report.file_errors[0]


def test_windows_1252_and_utf8_bom_files_are_read(territory):
    text = (
        HEADER
        + "Hélène ÉTÉ\tCC Terres de Lumière – Mairie de Méailles\the@example.org\tSecrétaire\n"
    )
    for data in (text.encode("cp1252"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        decoded = decode(data)
        report = run(decoded.text, dry_run=True)
        assert report.rows[0].display_name == "Hélène Été"
        assert report.rows[0].structure_label.startswith("Méailles")
    assert decode(text.encode("cp1252")).encoding == "Windows-1252"


def test_semicolon_csv_with_separate_first_and_last_name_columns_is_read(territory):
    text = (
        "Prénom;Nom;Structure;Mail;Fonction\nJean;Testeur;Mairie de Barrême;j@example.org;Maire\n"
    )
    report = run(text)
    assert report.applied
    assert Person.objects.get().full_name == "Jean Testeur"


def test_a_20_mb_file_and_a_binary_file_are_refused_in_french():
    with pytest.raises(ImportFileError, match="trop volumineux"):
        decode(b"a" * (20 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="n'est pas un fichier texte"):
        decode(b"PK\x03\x04" + bytes(range(256)) * 10)
    with pytest.raises(ImportFileError, match="vide"):
        decode(b"   \n")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Théo d'ALMEIDA", ("Théo", "d'Almeida")),
        ("Sophie ARNAUD-GIRAUD", ("Sophie", "Arnaud-Giraud")),
        ("Marie-Christine DELORME", ("Marie-Christine", "Delorme")),
        ("Olivier NOËL", ("Olivier", "Noël")),
        ("Mireille", ("", "Mireille")),
        ("LEBRETON Hugo", ("Hugo", "Lebreton")),
        ("Jean de LA FONTAINE", ("Jean", "de La Fontaine")),
        ("jean dupont", ("jean", "dupont")),
    ],
)
def test_names_are_split_into_first_and_family_name(raw, expected):
    assert split_name(raw) == expected


def test_the_command_runs_dry_then_for_real(territory, tmp_path, capsys):
    path = tmp_path / "liste.tsv"
    path.write_text(
        HEADER + "Jean TESTEUR\tCC Moyen Verdon – Mairie de Rougon\tj@example.org\tMaire\n"
    )
    call_command("import_directory", str(path), "--dry-run")
    assert "Simulation" in capsys.readouterr().out
    assert Person.objects.count() == 0
    call_command("import_directory", str(path))
    assert "Import terminé" in capsys.readouterr().out
    assert Person.objects.get().positions.get().structure.name == "Rougon"


def test_the_command_refuses_a_file_with_errors_and_a_binary_file(territory, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text(HEADER + "Jean TESTEUR\tMairie de Rougon\tfaux@\tMaire\n")
    with pytest.raises(CommandError, match="Rien n'a été importé"):
        call_command("import_directory", str(bad))
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CommandError, match="n'est pas un fichier texte"):
        call_command("import_directory", str(binary))


def test_a_failure_while_writing_rolls_everything_back(territory, monkeypatch):
    text = HEADER + "Jean UN\tMairie de Rougon\t\tMaire\nJeanne DEUX\tMairie de Rougon\t\tMaire\n"
    calls = []
    original = Person.objects.create

    def failing_create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disque plein")
        return original(**kwargs)

    monkeypatch.setattr(Person.objects, "create", failing_create)
    with pytest.raises(RuntimeError):
        run(text)
    assert Person.objects.count() == 0


def test_the_report_is_readable_as_text(territory, sample_bytes):
    report = run(decode(sample_bytes).text, dry_run=True)
    text = report.as_text()
    assert "Ligne   45 [ERREUR] Pierre Castel" in text
    assert "doublon exact de la ligne 40" in text
    assert importer.MAX_IMPORT_BYTES == 2 * 1024 * 1024


def test_a_reimport_shows_the_differences_with_existing_entries_before_applying(
    client, moderator, territory
):
    """After the elections: the file lists Xavier Brun as DGS with a new address; his entry
    has another address and a post the file no longer names. The dry run says so, field by
    field; applying completes without overwriting."""
    person = Person.objects.create(
        first_name="Xavier", last_name="Brun", email="ancien@example.org"
    )
    person.positions.create(
        structure=territory["Castellane"], function="Secrétaire de mairie", kind="agent"
    )
    text = HEADER + "Xavier BRUN\tCC Moyen Verdon – Mairie de Castellane\txb@example.org\tDGS\n"
    report = run(text, dry_run=True)
    found = {(d.field, d.current, d.incoming, d.effect) for d in report.differences}
    assert (
        "e-mail",
        "ancien@example.org",
        "xb@example.org",
        "différent : la fiche garde le sien (à corriger à la main si besoin)",
    ) in found
    assert any(
        f == "fonction" and not c and i.startswith("DGS — ") and e == "ajoutée à la fiche"
        for f, c, i, e in found
    )
    assert any(
        f == "fonction" and c.startswith("Secrétaire de mairie — Castellane") and "absente" in e
        for f, c, _i, e in found
    )
    batch = services.directory_import_upload(
        filename="liste.tsv", data=text.encode(), uploaded_by=moderator
    )
    client.force_login(moderator)
    html = client.get(f"/annuaire/import/{batch.pk}/").content.decode()
    assert "Différences avec l'annuaire" in html
    assert f"/annuaire/personnes/{person.pk}/modifier/" in html
    run(text)
    person.refresh_from_db()
    assert person.email == "ancien@example.org"  # nothing overwritten


def test_a_reimport_of_the_same_file_shows_no_difference(territory):
    text = HEADER + "Xavier BRUN\tCC Moyen Verdon – Mairie de Castellane\txb@example.org\tDGS\n"
    run(text)
    assert run(text, dry_run=True).differences == []


def test_the_structures_to_create_come_parents_first_each_once_and_by_identity(monkeypatch):
    """The list of structures to create is built by identity: looking each proposal up in the
    list, field by field (dataclass equality), grew with the square of their number."""
    index = importer.StructureIndex([])
    cc = importer.NewStructure("CC des Vallées", "cc", None)
    communes = [importer.NewStructure(f"Commune {n}", "commune", cc) for n in range(3)]
    unused = importer.NewStructure("Commune oubliée", "commune", cc)
    for number, proposal in enumerate([*communes, unused, cc]):
        index.new[("clé", number)] = proposal

    def refuse(self, other):
        raise AssertionError("proposals compared by value")

    monkeypatch.setattr(importer.NewStructure, "__eq__", refuse)
    needed = importer._used_new_structures(index, {id(commune) for commune in communes})
    assert [proposal.name for proposal in needed] == [
        "CC des Vallées",
        "Commune 0",
        "Commune 1",
        "Commune 2",
    ]
