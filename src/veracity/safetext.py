"""One place turns any value that reaches a terminal, a CSV cell or an error line into its safe form.

Text in veracity's outputs comes from places nobody vetted: file names, header names, ``--by``
values, the data itself. Three things can go wrong with it:

- **Control characters** act on the reader's terminal (an ESC sequence recolours, moves the
  cursor or sets the window title), break a report's layout (a newline in a table cell), or,
  as bidirectional overrides, make text display as something it is not. :func:`printable`
  shows them as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``) so the defect stays visible.
- **Formulas**: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return (also after leading blanks) as a formula (CSV injection, OWASP).
  :func:`neutralise_formula` and :func:`neutralise_formula_expr` prefix such a cell with ``'``.
- **Data in diagnostics**: exception messages from libraries quote the values they choked on.
  :func:`scrub_message` keeps a message's first line and replaces quoted literals, e-mail
  addresses and long digit runs in it, so ``--debug`` shows code locations and exception
  types, not customer data.

This module imports nothing of the project, so every layer can use it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's error path imports this module; polars only for expressions
    import polars as pl

__all__ = [
    "INVISIBLE_CODEPOINTS",
    "error_text",
    "json_safe",
    "neutralise_formula",
    "neutralise_formula_expr",
    "printable",
    "printable_expr",
    "scrub_message",
]

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

#: Code points shown as escapes: C0 controls, DEL, C1 controls, the line and paragraph
#: separators, the bidirectional marks, embeddings, overrides and isolates.
INVISIBLE_CODEPOINTS: tuple[int, ...] = (
    *range(0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)

_PRINTABLE = str.maketrans(
    {
        code: _ESCAPES.get(chr(code), f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        for code in INVISIBLE_CODEPOINTS
    }
)
_INVISIBLE_CHARS = [chr(code) for code in INVISIBLE_CODEPOINTS]
_INVISIBLE_ESCAPES = [str(_PRINTABLE[code]) for code in INVISIBLE_CODEPOINTS]
_CELL_CHARS = [char for char in _INVISIBLE_CHARS if char not in "\n\t"]
_CELL_ESCAPES = [str(_PRINTABLE[ord(char)]) for char in _CELL_CHARS]


def printable(text: str) -> str:
    """``text`` with control and direction-changing characters shown as escapes.

    Text without them comes back unchanged, and the result has none left, so applying it
    twice changes nothing more.
    """
    return text.translate(_PRINTABLE)


def printable_expr(text: pl.Expr, *, keep_layout: bool = False) -> pl.Expr:
    """:func:`printable` as a polars expression on a String column (null stays null).

    ``keep_layout`` leaves line feeds and tabs as they are: inside a quoted CSV cell they are
    data (a multi-line address), and they neither act on a terminal nor hide text.
    """
    if keep_layout:
        return text.str.replace_many(_CELL_CHARS, _CELL_ESCAPES)
    return text.str.replace_many(_INVISIBLE_CHARS, _INVISIBLE_ESCAPES)


_JSON_UNESCAPED = re.compile("[" + "".join(chr(code) for code in INVISIBLE_CODEPOINTS if code >= 0x7F) + "]")


def json_safe(document: str) -> str:
    """A JSON document (``ensure_ascii=False``) with the control and direction-changing
    characters that JSON leaves raw (DEL, C1, bidirectional controls) written as ``\\uXXXX``.

    Lossless: a parser reads the same strings back. JSON escapes C0 controls itself, and these
    characters can only stand inside strings, where an escape means the same character.
    """
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


#: A spreadsheet runs a cell as a formula when it starts with one of ``= + - @`` (leading blanks
#: are skipped) or with a tab or carriage return, which some applications strip first.
_FORMULA_START = r"^\s*[=+\-@\t\r]"
_FORMULA = re.compile(_FORMULA_START)


def neutralise_formula(cell: str) -> str:
    """``cell`` prefixed with ``'`` when a spreadsheet would evaluate it as a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def neutralise_formula_expr(cell: pl.Expr) -> pl.Expr:
    """:func:`neutralise_formula` as a polars expression on a String column."""
    import polars as pl

    return pl.when(cell.str.contains(_FORMULA_START)).then(pl.lit("'") + cell).otherwise(cell)


# Quoted literals (the way Python, polars and most libraries quote the offending value), e-mail
# addresses and runs of six or more digits (phone numbers, account and customer numbers).
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|«[^»\n]*»|‘[^’\n]*’|“[^”\n]*”")
_EMAIL = re.compile(r"[^\s'\"<>()\[\],;:]+@[^\s'\"<>()\[\],;:]+")
_DIGITS = re.compile(r"\+?\d(?:[\d \-./]{4,}\d)")
# Values a library quotes without quote marks. The words of messages are ASCII, names in the
# data often are not; a capitalised word or a number right after ": " stands where messages put
# the value (``Unknown string format: Thomas``); short dates are birth dates as often as not.
_TOKEN_END = r"[^\s'\"`,;:()\[\]{}<>]*"
_NON_ASCII_WORD = re.compile(_TOKEN_END + r"[^\x00-\x7f\s…«»‘’“”]" + _TOKEN_END)
_VALUE_AFTER_COLON = re.compile(r"(?<=: )[A-Z0-9+]" + _TOKEN_END)
_SHORT_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_REDACTED = "…"


def scrub_message(text: str) -> str:
    """An exception's message without the values it may quote: only its first line (later
    lines of library messages are previews of the data or hints), with quoted literals as
    ``'…'``, e-mail addresses, numbers of six digits or more, dates, words with non-ASCII
    letters and a capitalised word or number right after ``": "`` as ``…``, and control
    characters shown as escapes. An unquoted all-ASCII word inside a sentence cannot be told
    from the message's own words and stays."""
    first, _, rest = text.strip("\n").partition("\n")
    scrubbed = _QUOTED.sub(lambda m: m.group()[0] + _REDACTED + m.group()[-1], first)
    scrubbed = _EMAIL.sub(_REDACTED, scrubbed)
    scrubbed = _DIGITS.sub(
        lambda m: _REDACTED if sum(c.isdigit() for c in m.group()) >= 6 else m.group(), scrubbed
    )
    for pattern in (_SHORT_DATE, _NON_ASCII_WORD, _VALUE_AFTER_COLON):
        scrubbed = pattern.sub(_REDACTED, scrubbed)
    return printable(scrubbed) + (" […]" if rest.strip() else "")


def error_text(message: str) -> str:
    """An ``Error:`` or ``Warning:`` line's text as it may reach a terminal: one line, control
    characters visible, and no e-mail address or quoted phone number that a file or header name
    smuggled in (a file without a header line has values for column names)."""
    return printable(_QUOTED_PHONE.sub(_masked_phone, _EMAIL.sub(_masked_email, message)))


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_QUOTED_PHONE = re.compile(r"'(\+?[\d(][\d\s().\-/]{5,}\d)'")


def _masked_phone(match: re.Match[str]) -> str:
    number = match.group(1)
    digits = [char for char in number if char.isdigit()]
    if len(digits) < 7 or _DATE.fullmatch(number):
        return match.group()
    head = number.split()[0] + " " if number.startswith("+") and " " in number else ""
    return f"'{head}*** *** {''.join(digits[-2:])}'"


def _masked_email(match: re.Match[str]) -> str:
    address = match.group()
    local, _, domain = address.partition("@")
    if not local or "." not in domain.strip("."):
        # ``user@host``-like words without a dotted domain are not addresses (``rules@v2``).
        return address
    suffix = domain[domain.rfind(".") :]
    return f"{local[0]}***@{domain[0]}***{suffix}"
