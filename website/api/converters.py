"""The path converter of the API's row ids (`{rowid:question_id}`).

Django's `int` converter takes any number of digits, and SQLite refuses a number past its
64-bit integers with an `OverflowError` (a 500). At most 18 digits, an id that cannot exist
in the database is a 404 at routing, before any query.
"""

from django.urls import register_converter


class RowIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(RowIdConverter, "rowid")
