"""Guessing what the user did not say: the format from the extension, the text encoding."""

from __future__ import annotations

import codecs
import importlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from veracity.errors import SourceError
from veracity.sources._lines import BLOCK, Mask, each_block, is_mac, universal_newlines
from veracity.sources.base import Format

if TYPE_CHECKING:
    from charset_normalizer.models import CharsetMatch

__all__ = [
    "MIN_CONFIDENCE",
    "Decoded",
    "StreamEncoding",
    "choose_encoding",
    "decode",
    "decode_text",
    "detect_format",
    "guess_encoding",
    "is_utf8",
    "line_at",
    "lookup_codec",
    "nul_error",
    "refused_in_chunks",
    "sample_text",
    "single_byte_codec",
    "undecodable",
    "undecodable_bytes",
    "undetected",
]

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
    from veracity.sources.registry import extensions, file_formats

    formats, known = file_formats(), extensions()
    if given is not None:
        if given not in formats:
            raise SourceError(
                f"{display}: unknown format {given!r} in read.format or --input-format; use one of "
                f"{', '.join(formats)}"
            )
        return given
    suffix = PurePath(path).suffix.lower()
    if suffix in known:
        return known[suffix]
    found = f"the extension '{suffix}'" if suffix else "a name without an extension"
    accepted = " ".join(known)
    raise SourceError(
        f"{display}: cannot tell the format from {found} (accepted: {accepted}); "
        f"set read.format in the rule file or --input-format to one of {', '.join(formats)}"
    )


@dataclass(frozen=True)
class Decoded:
    """Text as UTF-8 bytes without a byte-order mark, the encoding it was read in, and how sure
    the detection is (0-1; None when the user named the encoding)."""

    text: bytes
    encoding: str
    confidence: float | None


def decode_text(
    raw: bytes, given: str | None, display: str, *, assume_utf8: bool = False
) -> tuple[bytes, str]:
    """:func:`decode` without the confidence."""
    decoded = decode(raw, given, display, assume_utf8=assume_utf8)
    return decoded.text, decoded.encoding


def decode(raw: bytes, given: str | None, display: str, *, assume_utf8: bool = False) -> Decoded:
    """The content as UTF-8 bytes without a byte-order mark, with the encoding used.

    UTF-8 input is passed through untouched so that large files are not copied twice. With
    ``assume_utf8``, text without a byte-order mark or a given encoding is taken to be UTF-8
    without checking: for a caller whose parser validates every byte itself (see
    ``_whole_csv.read_delimited``), which calls again without it when the parser refuses the text.
    Text that is not UTF-8 goes to :func:`guess_encoding`; a guess that is unsure, or a text
    that is UTF-8 but for a few bytes, is refused rather than read in a wrong encoding.
    """
    if given is not None:
        return Decoded(_decode_as(raw, given, display), given, None)
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return Decoded(_decode_as(raw, name, display, bom=True), name, 1.0)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise nul_error(display, raw[:_SAMPLE_BYTES], line_at(raw, nul))
    if assume_utf8 or is_utf8(raw):
        return Decoded(raw, "utf-8", 1.0)
    try:
        raw.decode("utf-8")
        first_bad = len(raw)  # (is_utf8 said otherwise; not reached)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    sample = sample_text(lambda start, stop: raw[start:stop], len(raw), [*_high_bytes(raw), first_bad])
    codec, confidence = guess_encoding(sample, display, lambda: line_at(raw, first_bad))
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise undetected(display, codec, line_at(raw, exc.start)) from None
    return Decoded(text.encode("utf-8"), codec, confidence)


#: Bytes of the file's start looked at to tell UTF-16 without a byte-order mark by its NULs.
_SAMPLE_BYTES = 1 << 16
#: Non-ASCII bytes whose surroundings make the detector's sample, and the sample's size.
_SAMPLE_OFFSETS = 4096
_SAMPLE_WINDOWS = 64
_WINDOW = 512
#: A guess below this confidence is refused (see ``guess_encoding``).
MIN_CONFIDENCE = 0.8
#: How much worse than the best a reading may be and still count as equally good: in the
#: detector's mess ratio, and in its language coherence (both 0-1; coherence varies more).
_NEAR_CHAOS = 0.05
_NEAR_COHERENCE = 0.1
_WESTERN_CHAOS = 0.15
# Never guessed: UTF-16 and UTF-32 without a byte-order mark are told by their NULs (see
# nul_error), and UTF-7 is not an export format.
_NOT_GUESSED = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"]
_ENCODING_HINT = "set read.encoding in the rule file or --encoding to the file's encoding"
# Characters that are not odd anywhere in a record: separators, quotes, common punctuation.
_PLAIN = frozenset(" \t\r\n,;|\"'.-/()@+:&#%_!?*=[]<>")
# Code pages rarely used for exports: a reading in one of them loses a tie to a common one.
_RARE_CODECS = re.compile(r"mac_|cp(4|7|8|1006|1125)|koi8|hp_|ptcp|utf_16|utf_32|kz|tis")


def line_at(text: bytes, offset: int) -> int:
    """1-based line of a byte offset in ASCII-compatible text, with the line breaks the record
    scan reads (``_lines.universal_newlines``). Only on the way to an error: it copies the text
    up to the offset."""
    prefix = universal_newlines(text[: offset + 1], is_mac(text))
    return prefix.count(b"\n", 0, offset) + 1


def nul_error(display: str, head: bytes, line: int) -> SourceError:
    """The file holds a NUL byte: UTF-16 without a byte-order mark when NULs fill every other
    byte of its start, else a damaged or binary file."""
    evens, odds = head[0::2].count(0), head[1::2].count(0)
    if max(evens, odds) * 4 >= len(head) // 2 > 0:
        order = "be" if evens > odds else "le"
        return SourceError(
            f"{display}: looks like UTF-16 without a byte-order mark (every other byte is a NUL); set "
            f"read.encoding in the rule file or --encoding to utf-16-{order}"
        )
    return SourceError(
        f"{display}:{line}: holds a NUL byte, which is not text (a damaged or binary file); remove the "
        "NUL bytes or export the file again"
    )


def _high_bytes(raw: bytes) -> list[int]:
    """Offsets of the first non-ASCII bytes (up to ``_SAMPLE_OFFSETS``)."""
    found: list[int] = []
    for start in range(0, len(raw), BLOCK):
        block = np.frombuffer(raw, dtype=np.uint8, count=min(BLOCK, len(raw) - start), offset=start)
        found.extend((np.flatnonzero(block >= 0x80)[: _SAMPLE_OFFSETS - len(found)] + start).tolist())
        if len(found) >= _SAMPLE_OFFSETS:
            break
    return found


def sample_text(read: Callable[[int, int], bytes], size: int, offsets: Sequence[int]) -> bytes:
    """The text around the given offsets (the first non-ASCII bytes), for the detector.

    Each window is cut just after a line break, else after an ASCII byte below 0x40, which is
    never the second byte of a multi-byte character (in Shift-JIS, GBK, Big5 ...): the cuts
    never split a character. ``read(start, stop)`` returns those bytes of the text.
    """
    windows: list[bytes] = []
    covered = 0
    for offset in sorted(set(offsets)):
        if offset < covered or offset >= size:
            continue
        low, high = max(0, offset - _WINDOW), min(size, offset + _WINDOW)
        window = read(low, high)
        middle = offset - low
        start = window.rfind(b"\n", 0, middle) + 1 or _safe_cut(window, range(middle - 1, -1, -1)) + 1
        stop = window.find(b"\n", middle)
        if stop < 0:
            stop = len(window) if high == size else _safe_cut(window, range(middle, len(window)))
            stop = len(window) if stop < 0 else stop
        windows.append(window[start:stop])
        covered = low + stop
        if len(windows) >= _SAMPLE_WINDOWS:
            break
    return b"\n".join(windows)


def _safe_cut(window: bytes, where: range) -> int:
    """The first index in ``where`` of a byte below 0x40, or -1."""
    for index in where:
        if window[index] < 0x40:
            return index
    return -1


def guess_encoding(sample: bytes, display: str, first_bad_line: Callable[[], int]) -> tuple[str, float]:
    """The encoding of text that is not UTF-8, and the confidence (0-1), or a refusal.

    The detector (charset-normalizer) reads the sample in every encoding it knows and scores
    each reading by its mess ratio and language coherence. Readings about as good as the best
    are compared: the one with the fewest odd characters wins (symbols inside words, a capital
    after a small letter); on a tie cp1252, the code page of most Western exports, then a
    common code page over a rare one. A tie beyond that is refused, as is a confidence
    (1 - mess ratio, times the share of non-ASCII characters that are not odd) below
    ``MIN_CONFIDENCE``. Text that reads as UTF-8 but for a few bytes is UTF-8 with a damaged
    byte: refused at the line of the first, since reading it all in another encoding would
    garble every other non-ASCII character.
    """
    as_utf8 = sample.decode("utf-8", errors="replace")
    invalid = as_utf8.count("\ufffd")
    valid = sum(1 for char in as_utf8 if ord(char) >= 0x80) - invalid
    if valid and valid >= invalid:
        raise SourceError(
            f"{display}:{first_bad_line()}: is UTF-8 but for a byte that is not (the first one is on this "
            "line); fix the byte, or if the file is in another encoding set read.encoding in the rule file "
            "or --encoding"
        )
    import charset_normalizer  # only text that is not UTF-8 needs the detector

    matches = list(charset_normalizer.from_bytes(sample, cp_exclusion=_NOT_GUESSED))
    if not matches:
        raise _unsure(display)
    best = matches[0]
    readings: dict[str, CharsetMatch] = {}
    western = charset_normalizer.from_bytes(sample, cp_isolation=["cp1252"]).best()
    # cp1252's reading counts from a wider margin: the detector takes a currency sign next to
    # a letter or digit ("12,50€") for mess, which in an export it rarely is.
    if western is not None and _near(western, best, _WESTERN_CHAOS):
        readings[str(western)] = western
    for match in matches:
        if _near(match, best, _NEAR_CHAOS):
            readings.setdefault(str(match), match)
    scored = sorted(
        (round(_oddness(text), 2), _rank(match.encoding), match.encoding, match)
        for text, match in readings.items()
    )
    odd, rank, encoding, chosen = scored[0]
    confidence = round((1 - chosen.chaos) * (1 - min(odd, 1.0)), 3)
    if sum(1 for item in scored if item[:2] == (odd, rank)) > 1 or confidence < MIN_CONFIDENCE:
        raise _unsure(display)
    return codecs.lookup(encoding).name, confidence


def _near(match: CharsetMatch, best: CharsetMatch, chaos: float) -> bool:
    return match.chaos <= best.chaos + chaos and match.coherence >= best.coherence - _NEAR_COHERENCE


def _rank(encoding: str) -> int:
    return 0 if encoding == "cp1252" else 2 if _RARE_CODECS.match(encoding) else 1


def _oddness(text: str) -> float:
    """Odd characters per non-ASCII character of a reading: symbols and controls that are not
    common punctuation, capitals right after a small letter, and letters of another script than
    Latin beside an ASCII letter (a reading in the wrong code page puts Greek or CJK letters
    inside Latin words: "K鰈n", "Mόller")."""
    odd = high = 0
    after_lower = False
    previous = " "
    for index, char in enumerate(text):
        high += ord(char) >= 0x80
        category = unicodedata.category(char)
        if category[0] in "LNZ" or category == "Sc" or char in _PLAIN:
            odd += category == "Lu" and after_lower
            if category[0] == "L" and ord(char) >= 0x80 and not _latin(char):
                following = text[index + 1 : index + 2]
                odd += (previous.isascii() and previous.isalpha()) or (
                    following.isascii() and following.isalpha()
                )
        else:
            odd += 1
        after_lower = category == "Ll"
        previous = char
    return odd / max(high, 1)


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def _unsure(display: str) -> SourceError:
    return SourceError(
        f"{display}: is not UTF-8, and its encoding cannot be told for sure from its text; {_ENCODING_HINT} "
        "(e.g. cp1252, iso-8859-7, shift-jis), or save it as UTF-8"
    )


def undetected(display: str, encoding: str, line: int) -> SourceError:
    return SourceError(
        f"{display}:{line}: cannot be read as {encoding}, the encoding its text suggests (this line holds a "
        f"byte that {encoding} lacks); {_ENCODING_HINT}"
    )


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


def _decode_as(raw: bytes, encoding: str, display: str, *, bom: bool = False) -> bytes:
    """``raw`` read as ``encoding`` (given by the user, or by a byte-order mark when ``bom``)."""
    codec = lookup_codec(encoding, display)
    body = raw
    if raw.startswith(codecs.BOM_UTF8) and not codec.name.startswith(("utf-16", "utf-32")):
        # A UTF-8 byte-order mark is never text, whatever encoding the user names.
        body = raw[len(codecs.BOM_UTF8) :]
    if codec.name in _UTF8_CODECS:
        if not is_utf8(body):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:  # always: decoding it all finds the offset
                raise undecodable(display, encoding, line_at(body, exc.start), bom) from None
        return body
    try:
        text = body.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise undecodable(display, encoding, _text_line(body[: exc.start].decode(codec.name)), bom) from None
    # A BOM the codec does not consume itself (e.g. utf-16-le given for a file with a BOM).
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: decodable by some codecs, never valid text.
        raise SourceError(
            f"{display}: contains characters that are not valid text when read as {encoding}; "
            f"{_ENCODING_HINT}"
        ) from None


def lookup_codec(encoding: str, display: str) -> codecs.CodecInfo:
    try:
        return codecs.lookup(encoding)
    except LookupError:
        raise SourceError(
            f"{display}: unknown encoding {encoding!r} in read.encoding or --encoding; "
            "use e.g. utf-8, cp1252, latin-1 or utf-16"
        ) from None


def _text_line(prefix: str) -> int:
    """1-based line at the end of decoded text (LF, CRLF and lone CR end lines)."""
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


def undecodable(display: str, encoding: str, line: int, bom: bool = False) -> SourceError:
    if bom:
        marked = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        return SourceError(
            f"{display}:{line}: starts with a {marked} byte-order mark, but this line is not {marked}; "
            f"{_ENCODING_HINT} (the mark is skipped whatever the encoding)"
        )
    return SourceError(
        f"{display}:{line}: cannot be decoded as {encoding} (this line holds a byte that is not "
        f"{encoding}); {_ENCODING_HINT} (e.g. utf-8, cp1252, utf-16)"
    )


# ---------------------------------------------------------------------------------------------
# text read a block at a time


def single_byte_codec(name: str) -> bool:
    """Whether a codec maps each byte to one character and agrees with ASCII below 0x80, so
    quotes, delimiters and line breaks are the bytes they are in the UTF-8 text (the charmap
    codecs; EBCDIC fails the ASCII test; multi-byte and stateful codecs have no table)."""
    if name == "ascii":
        return True
    try:
        module = importlib.import_module("encodings." + name.replace("-", "_"))
    except ImportError:
        return False
    table = getattr(module, "decoding_table", None)
    return isinstance(table, str) and len(table) == 256 and table[:128] == "".join(map(chr, range(128)))


def undecodable_bytes(codec: str) -> npt.NDArray[np.bool_]:
    """Per byte value: the single-byte codec has no character for it."""
    bad = np.zeros(256, dtype=np.bool_)
    for value in range(256):
        try:
            bytes([value]).decode(codec)
        except UnicodeDecodeError:
            bad[value] = True
    return bad


def refused_in_chunks(display: str, name: str) -> SourceError:
    return SourceError(
        f"{display}: is encoded as {name}, which is not read in chunks (only UTF-8 and single-byte "
        "encodings such as cp1252 or latin-1 are); convert the file to UTF-8, or audit it without chunks"
    )


@dataclass
class StreamEncoding:
    """How text read a block at a time (after ``skip`` bytes: a byte-order mark) becomes the
    UTF-8 text polars parses."""

    skip: int = 0
    #: The encoding reported in the lineage; None until detected after the scan.
    name: str | None = None
    #: Codec to transcode each chunk with; None: the bytes are UTF-8 already.
    transcode: str | None = None
    #: Decide after the scan, as :func:`decode` does when no encoding is given.
    detect: bool = False
    #: Given or BOM-marked UTF-8: bytes that are not UTF-8 are an error.
    validate: bool = False
    #: The encoding comes from a byte-order mark.
    bom: bool = False
    confidence: float | None = None


def choose_encoding(first: bytes, given: str | None, display: str) -> StreamEncoding:
    """The part of :func:`decode`'s decision that a file's first bytes settle, for text read a
    block at a time; multi-byte encodings (UTF-16, Shift-JIS, ...) cannot be cut into blocks
    at the byte offsets of their line breaks and are refused."""
    if given is not None:
        codec = lookup_codec(given, display)
        # A UTF-8 byte-order mark is skipped whatever the encoding.
        skip = len(codecs.BOM_UTF8) if first.startswith(codecs.BOM_UTF8) else 0
        if codec.name in _UTF8_CODECS:
            return StreamEncoding(skip=skip, name=given, validate=True)
        if single_byte_codec(codec.name):
            return StreamEncoding(skip=skip, name=given, transcode=codec.name)
        raise refused_in_chunks(display, given)
    for bom, name in _BOMS:
        if first.startswith(bom):
            if name != "utf-8-sig":
                raise refused_in_chunks(display, name)
            return StreamEncoding(skip=len(bom), name=name, validate=True, bom=True, confidence=1.0)
    return StreamEncoding(detect=True)
