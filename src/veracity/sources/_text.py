"""Where the delimited-text reader gets its bytes: text held in memory, or a file on disk read a
range at a time."""

from __future__ import annotations

from typing import IO, Protocol

__all__ = ["File", "Memory", "Text"]


class Text(Protocol):
    size: int

    def read(self, start: int, stop: int) -> bytes:
        """Bytes ``[start, stop)`` of the text (after any byte-order mark)."""


class Memory:
    """Text held in memory, decoded to UTF-8 with universal line breaks."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.size = len(text)

    def read(self, start: int, stop: int) -> bytes:
        return self.text[start:stop]


class File:
    """A file's text after ``skip`` bytes, as it is on disk."""

    def __init__(self, handle: IO[bytes], skip: int, size: int) -> None:
        self._handle, self._skip, self.size = handle, skip, size

    def read(self, start: int, stop: int) -> bytes:
        self._handle.seek(self._skip + start)
        return self._handle.read(max(stop - start, 0))
