"""A `<select>` rendered in Python: the same HTML as Django's templates, ten times cheaper.

Django renders each `<option>` through two template includes; the directory's filters offer
every structure (300 on a full Pays), which made that page's cost grow with the number of
structures (issue 16). `PlainSelect` writes the same markup as
`django/forms/widgets/select.html`, `select_option.html` and `attrs.html` with `format_html`
(escaped the same way); `tests/directory/test_query_counts.py` compares both outputs.
"""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString


def _attrs(attrs: dict):
    html = SafeString()  # safe strings added to safe strings stay safe, nothing is re-escaped
    for name, value in attrs.items():
        if value is True:
            html += format_html(" {}", name)
        elif value is not False:
            html += format_html(' {}="{}"', name, str(value))
    return html


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                html += format_html('\n  <optgroup label="{}">', group_name)
            for option in group_choices:
                html += format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]),
                    _attrs(option["attrs"]),
                    option["label"],
                )
            if group_name:
                html += SafeString("\n  </optgroup>")
        return html + SafeString("\n</select>")
