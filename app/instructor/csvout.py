"""CSV for spreadsheets: a BOM so they read UTF-8, cells safe from formula injection, pseudonyms."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable
from collections.abc import Iterator

#: The byte order mark that makes Excel read the file as UTF-8 (Chinese names and answers).
BOM = "\ufeff"
#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Hex digits kept of a learner's pseudonym: 2**48 values, no collisions in any real class.
PSEUDONYM_LENGTH = 12


def safe_cell(value: object) -> object:
    """Return ``value`` with a leading quote if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Iterable[object]]]) -> Iterator[str]:
    """Yield the CSV text: the BOM and the header, then one string per chunk of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(header))
    yield BOM + buffer.getvalue()
    for chunk in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([safe_cell(cell) for cell in row] for row in chunk)
        yield buffer.getvalue()


def pseudonym(secret: str | bytes, learner_id: int) -> str:
    """Return a stable, non-reversible name for a learner: a truncated HMAC of the id."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"learner:{learner_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]
