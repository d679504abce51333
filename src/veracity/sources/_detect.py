"""Guessing what the user did not say: the format from the extension, the text encoding."""

from __future__ import annotations

import codecs
from pathlib import PurePath
from typing import get_args

import numpy as np

from veracity.errors import SourceError
from veracity.sources._lines import BLOCK, Mask, each_block
from veracity.sources.base import Format

__all__ = ["EXTENSIONS", "FORMATS", "decode_text", "detect_format", "is_utf8"]

FORMATS: tuple[Format, ...] = get_args(Format)

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Canonical codec names (codecs.lookup) whose bytes can be handed on unchanged.
_UTF8_CODECS = {"utf-8", "utf-8-sig"}


def detect_format(given: str | None, path: str, display: str) -> Format:
    """The format named in the read options, else the one the extension implies."""
    if given is not None:
        if given not in FORMATS:
            raise SourceError(
                f"{display}: unknown format {given!r} in read.format; use one of {', '.join(FORMATS)}"
            )
        return given
    suffix = PurePath(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    found = f"the extension '{suffix}'" if suffix else "a name without an extension"
    accepted = " ".join(EXTENSIONS)
    raise SourceError(
        f"{display}: cannot tell the format from {found} (accepted: {accepted}); "
        f"set read.format in the rule file to one of {', '.join(FORMATS)}"
    )


def decode_text(
    raw: bytes, given: str | None, display: str, *, assume_utf8: bool = False
) -> tuple[bytes, str]:
    """Return the content as UTF-8 bytes without a byte-order mark, and the encoding used.

    UTF-8 input is passed through untouched so that large files are not copied twice. With
    ``assume_utf8``, text without a byte-order mark or a given encoding is taken to be UTF-8
    without checking: for a caller whose parser validates every byte itself (see
    ``_csv.read_delimited``), which calls again without it when the parser refuses the text.
    """
    if given is not None:
        return _decode_as(raw, given, display), given
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return _decode_as(raw, name, display), name
    if b"\x00" in raw:
        raise SourceError(
            f"{display}: cannot detect the encoding (the file contains NUL bytes but no UTF-16 "
            "byte-order mark); set read.encoding in the rule file (e.g. utf-16-le)"
        )
    if assume_utf8 or is_utf8(raw):
        return raw, "utf-8"
    try:
        return raw.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so it cannot fail.
        return raw.decode("latin-1").encode("utf-8"), "latin-1"


def is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8, without decoding all of it.

    ASCII bytes are valid wherever they stand and never continue a multi-byte sequence, so the
    text is valid exactly when each run of non-ASCII bytes is. Only those runs are decoded, each
    followed by the ASCII byte that ends it, which keeps neighbouring runs apart: a few
    accented names instead of a copy of the whole file. Blocks end after an ASCII byte, so no
    run is split between two.
    """
    if raw.isascii():
        return True
    buf = np.frombuffer(raw, dtype=np.uint8)
    pieces = []
    start = 0
    while start < buf.size:
        stop = min(start + BLOCK, buf.size)
        while stop < buf.size and buf[stop - 1] >= 0x80:
            stop += 1
        pieces.append((start, stop))
        start = stop

    def valid(start: int, stop: int, high: Mask) -> bool:
        block = buf[start:stop]
        np.greater_equal(block, 0x80, out=high)
        positions = np.flatnonzero(high)
        if positions.size:
            ends = positions[np.append(np.diff(positions) != 1, True)] + 1
            high[ends[ends < block.size]] = True
            try:
                block[high].tobytes().decode("utf-8")
            except UnicodeDecodeError:
                return False
        return True

    return all(each_block(pieces, valid))


def _decode_as(raw: bytes, encoding: str, display: str) -> bytes:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise SourceError(
            f"{display}: unknown encoding {encoding!r} in read.encoding; "
            "use e.g. utf-8, cp1252, latin-1 or utf-16"
        ) from None
    if codec.name in _UTF8_CODECS:
        body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
        if not is_utf8(body):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:  # always: decoding it all finds the offset
                raise _undecodable(display, encoding, exc.start) from None
        return body
    try:
        text = raw.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise _undecodable(display, encoding, exc.start) from None
    # A BOM the codec does not consume itself (e.g. utf-16-le given for a file with a BOM).
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: decodable by some codecs, never valid text.
        raise SourceError(
            f"{display}: contains characters that are not valid text when read as {encoding}; "
            "set read.encoding to the file's encoding"
        ) from None


def _undecodable(display: str, encoding: str, offset: int) -> SourceError:
    return SourceError(
        f"{display}: cannot be decoded as {encoding} (at byte {offset}); "
        "set read.encoding in the rule file to the file's encoding (e.g. utf-8, cp1252, utf-16)"
    )
