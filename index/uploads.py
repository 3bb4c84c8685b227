"""Documents people send: checked, named safely, dated, and written whole or not at all.

``prepare`` turns an uploaded file into what is stored, or refuses it with a reason
the uploader can act on; ``store`` writes it into a corpus folder atomically and
within a quota; ``remove`` and ``listing`` do the rest. Nothing here knows where the
bytes came from.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .documents import SUFFIXES, _HEADER, _LETTER, decode, not_text, parse_header
from .errors import UnknownDocument, UploadRefused
from .files import write_atomically
from .store import fsync_dir

MAX_NAME = 80  # characters of the stem: a name must fit Discord's 100-character choice values
_TEMP_PREFIX = ".upload-"  # hidden, so a rebuild running meanwhile never reads a half-written file
# The first bytes of the binary formats most often renamed .txt by mistake.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (or a Word/OpenDocument file, which is one)",
    b"PK\x05\x06": "an empty ZIP archive",
    b"%PDF-": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!\x1a\x07": "a RAR archive",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Word or Excel file",
}
_UNSAFE = re.compile(r"[^\w\- ]+")  # \w is Unicode-aware: letters and digits of any script stay
_RUNS = re.compile(r"[\s_]+")


@dataclass(frozen=True)
class Upload:
    """A document ready to store: its safe file name, its title and date, and its bytes."""

    name: str
    title: str
    date: str
    data: bytes  # UTF-8, LF line ends, first line ``date YYYY-MM-DD Title``


def safe_name(filename: str) -> str:
    """A file name that stays inside its folder: no path, no hidden file, only .txt or .md.

    Letters and digits of any script, ``-`` and ``_`` are kept; anything else (slashes,
    dots, quotes, control characters) becomes ``_``.
    """
    name = unicodedata.normalize("NFKC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    if not dot or f".{ext.lower()}" not in SUFFIXES:
        shown = ext.lower() if ext.isalnum() and len(ext) <= 10 else ""
        kind = f"a .{shown} file" if dot and shown else "that kind of file" if dot else "a file without an extension"
        raise UploadRefused(f"{kind} is not supported; send a .txt or .md text file")
    stem = _RUNS.sub("_", _UNSAFE.sub("_", stem)).strip("_- ")[:MAX_NAME].rstrip("_- ")
    if not stem:
        raise UploadRefused("the file name has no letters or digits to keep; rename it and send it again")
    return f"{stem}.{ext.lower()}"


def prepare(filename: str, raw: bytes, *, max_bytes: int, today: date) -> Upload:
    """What to store for an uploaded file, or UploadRefused saying what is wrong with it.

    Refused: another type than .txt/.md, over ``max_bytes``, empty, binary (a ZIP or an
    image renamed .txt, NUL bytes), not UTF-8, no letters, a title but no text. A
    document without a ``date YYYY-MM-DD Title`` first line gets one, dated ``today``,
    in place of its title line: answers from it then show when it was added.
    """
    name = safe_name(filename)
    if len(raw) > max_bytes:
        raise UploadRefused(f"it is {_size(len(raw))}; the limit is {_size(max_bytes)}")
    if not raw.strip():
        raise UploadRefused("the file is empty")
    for magic, what in _SIGNATURES.items():
        if raw.startswith(magic):
            raise UploadRefused(f"it is {what} named {name[name.rfind('.'):]}, not text")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UploadRefused("it is UTF-16 text; save it as UTF-8 and send it again")
    if reason := not_text(raw):
        raise UploadRefused(f"it {reason}")
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UploadRefused(f"it is not UTF-8 text (byte {err.start} is not); save it as UTF-8 "
                            "and send it again") from None
    text = decode(raw, name, [])
    if not _LETTER.search(text):
        raise UploadRefused("it has no letters, so no sentence to quote")
    return _dated(name, text, today, max_bytes)


def _dated(name: str, text: str, today: date, max_bytes: int) -> Upload:
    first = text.split("\n", 1)[0]
    title, when, body = parse_header(text, name)
    if not text[body:].strip():
        raise UploadRefused("it has a title but no text under it")
    if not _HEADER.match(first):
        when = today.isoformat()
        text = f"date {when} {title}\n" + text[body:]
    data = text.encode("utf-8")
    if len(data) > max_bytes:  # the added date line may tip a file at the limit over it
        raise UploadRefused(f"it is {_size(len(data))} as stored; the limit is {_size(max_bytes)}")
    return Upload(name=name, title=title, date=str(when), data=data)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} bytes"


def documents_in(folder: Path) -> dict[str, int]:
    """The documents directly in ``folder`` (name -> bytes), as the index reads them."""
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in SUFFIXES and not path.name.startswith(".") and path.is_file():
            out[path.name] = path.stat().st_size
    return out


def store(folder: Path, upload: Upload, *, replace: bool, max_documents: int, max_total_bytes: int) -> str | None:
    """Write ``upload`` into ``folder``: a temporary file there, then one ``os.replace``.

    A name differing only in case is the same document. Without ``replace`` an existing
    one is refused, not overwritten. The caller holds a lock so that checking the quota
    and writing are one step. Returns the name replaced, if any.
    """
    folder.mkdir(parents=True, exist_ok=True)
    _remove_debris(folder)
    existing = documents_in(folder)
    clash = [n for n in existing if n.casefold() == upload.name.casefold()]
    if clash and not replace:
        raise UploadRefused(f"a document named `{clash[0]}` is already there; send it with "
                            "replace: True to overwrite it")
    rest = {n: size for n, size in existing.items() if n not in clash}
    if len(rest) + 1 > max_documents:
        raise UploadRefused(f"this server already has {len(rest)} documents, the most it may keep; "
                            "remove one first")
    if sum(rest.values()) + len(upload.data) > max_total_bytes:
        raise UploadRefused(f"this server's documents would take {_size(sum(rest.values()) + len(upload.data))}, "
                            f"over its {_size(max_total_bytes)} limit; remove some first")
    write_atomically(folder / upload.name, upload.data, prefix=_TEMP_PREFIX)
    for old in clash:
        if old != upload.name:  # "Notes.md" replaced by "notes.md"
            (folder / old).unlink(missing_ok=True)
    fsync_dir(folder)
    return clash[0] if clash else None


def _remove_debris(folder: Path) -> None:
    """Temporary files a crash left behind (the caller's lock means none is being written)."""
    for path in folder.glob(f"{_TEMP_PREFIX}*.tmp"):
        path.unlink(missing_ok=True)


def remove(folder: Path, name: str) -> str:
    """Delete the document called ``name`` (any case) from ``folder``; returns its stored name."""
    existing = documents_in(folder)
    match = next((n for n in existing if n == name), None) or next(
        (n for n in existing if n.casefold() == (name or "").casefold()), None)
    if match is None:
        shown = ", ".join(list(existing)[:10]) or "none"
        raise UnknownDocument(f"no document named {name!r} here; this server has: {shown}")
    (folder / match).unlink()
    fsync_dir(folder)
    return match


def listing(folder: Path) -> list[tuple[str, int]]:
    """(name, bytes) of the documents in ``folder``, by name."""
    return list(documents_in(folder).items())
