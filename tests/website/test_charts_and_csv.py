"""The shared drawing and export helpers of the coordination views."""

import csv
import io

from django.template.loader import render_to_string

from directory.exports import csv_document, spreadsheet_safe
from website.charts import Chart


def test_chart_escapes_labels_and_scales_bars_to_the_peak():
    rows = [("<script>x</script>", 4), ("mars", 2)]
    chart = Chart(caption="Questions <b>par mois</b>", rows=rows)
    svg = str(chart.svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt; : 4" in svg
    assert "Questions &lt;b&gt;par mois&lt;/b&gt;" in svg
    heights = [float(part.split('"')[0]) for part in svg.split('height="')[1:]]
    assert heights[0] == 2 * heights[1]


def test_chart_template_puts_the_table_beside_the_svg():
    html = render_to_string(
        "website/includes/chart.html", {"chart": Chart(caption="Tendance", rows=[("janv.", 3)])}
    )
    assert 'role="img"' in html
    assert '<th scope="row">janv.</th><td>3</td>' in html
    empty = render_to_string("website/includes/chart.html", {"chart": Chart("Vide", [])})
    assert "Aucune donnée pour cette période." in empty


def test_csv_document_neutralises_formulas_but_keeps_numbers():
    text = csv_document(["Commune", "Questions"], [["=HYPERLINK(1)", -3], ["@SUM", 0], ["+1", 2]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Commune", "Questions"],
        ["'=HYPERLINK(1)", "-3"],
        ["'@SUM", "0"],
        ["'+1", "2"],
    ]
    assert spreadsheet_safe("-2+3") == "'-2+3"
