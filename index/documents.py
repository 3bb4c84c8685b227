"""Reading the seeds folder: files -> ``Document`` objects, with warnings instead of crashes."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

SUFFIXES = (".txt", ".md")
# ` date 2022-01-09 The title…`: the article's header line (leading space and all).
_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_TITLE_MAX = 120
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
# Latin-1 French or German loses up to ~15% of its characters to U+FFFD and is still
# worth indexing (with a warning); random bytes lose over half, Cyrillic in cp1251 ~85%.
_MAX_BAD_SHARE = 0.3


@dataclass(frozen=True)
class Document:
    """One seed file, decoded: ``text`` is what every character offset points into."""

    path: str  # relative to the seeds folder, forward slashes
    title: str
    date: str | None
    text: str
    body_start: int  # where the quotable text begins (after a header or title line)
    sha256: str  # of the raw bytes: a changed file is re-embedded, an unchanged one not


def decode(raw: bytes, name: str, warnings: list[str]) -> str:
    """UTF-8 text with Unix line ends; undecodable bytes are replaced, with a warning."""
    try:
        # Windows editors may save UTF-16 with a byte-order mark; anything else is UTF-8.
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        warnings.append(f"{name}: not valid UTF-8 (byte {err.start}); bad bytes replaced with �")
        text = raw.decode("utf-8-sig", errors="replace")
    # Offsets must be stable whatever editor saved the file: normalise CRLF and lone CR.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # NULs and other C0 controls break embeds and terminals; tabs and newlines stay.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", text)


def not_text(raw: bytes) -> str | None:
    """Why ``raw`` is not a text document (binary, UTF-16 without a BOM), or None if it is one.

    Cheap tests only, so a binary file named .txt is skipped instead of being indexed
    as thousands of garbage sentences: NUL bytes, which no UTF-8 text holds, and the
    share of bytes that are not UTF-8 or are control characters.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16", errors="replace")  # NULs are expected here
    elif b"\x00" in raw:
        if _utf16_without_bom(raw):
            return "looks like UTF-16 without a byte-order mark; save it as UTF-8"
        return "holds NUL bytes, so it is binary, not text"
    else:
        text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") + len(_CONTROL.findall(text))
    if text and bad > _MAX_BAD_SHARE * len(text):
        return f"{100 * bad / len(text):.0f}% of it is not UTF-8 text or is control characters, so it looks binary"
    return None


def _utf16_without_bom(raw: bytes) -> bool:
    """Mostly-ASCII UTF-16 has a NUL in every other byte, all on the same side."""
    sample = raw[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) > 0.5 * (len(sample) // 2) and min(even, odd) < 0.1 * max(even, odd)


def parse_header(text: str, path: str) -> tuple[str, str | None, int]:
    """The title, date and start of the body, from the first line when it declares them."""
    first_end = text.find("\n")
    first_end = len(text) if first_end < 0 else first_end
    first = text[:first_end]
    body = first_end + 1 if first_end < len(text) else len(text)
    if match := _HEADER.match(first):
        return match.group(2), match.group(1), body
    if match := _MD_HEADING.match(first):
        return match.group(1), None, body
    # A short first line without closing punctuation, followed by a blank line, is a title.
    stripped = first.strip()
    after = text[body : body + 1]
    if stripped and len(stripped) <= _TITLE_MAX and stripped[-1] not in ".!?…:;\"”’" and after in ("\n", ""):
        return stripped, None, body
    stem = Path(path).stem.replace("_", " ").replace("-", " ").strip()
    return (stem[:1].upper() + stem[1:]) or path, None, 0


def read_document(file: Path, rel: str, warnings: list[str], max_bytes: int) -> Document | None:
    """One file as a Document, or None (with a warning naming it) when it can't be used."""
    try:
        size = file.stat().st_size
        if size > max_bytes:
            warnings.append(
                f"{rel}: skipped, {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit "
                "(raise KIZUNA_MAX_FILE_MB to index it)"
            )
            return None
        raw = file.read_bytes()
    except OSError as err:
        warnings.append(f"{rel}: could not be read ({err.strerror or err})")
        return None
    if reason := not_text(raw):
        warnings.append(f"{rel}: skipped, {reason}")
        return None
    text = decode(raw, rel, warnings)
    if not text.strip():
        warnings.append(f"{rel}: empty, nothing to index")
        return None
    if not _LETTER.search(text):
        warnings.append(f"{rel}: skipped, it has no letters, so no sentence to quote")
        return None
    title, date, body_start = parse_header(text, rel)
    if not text[body_start:].strip():
        warnings.append(f"{rel}: has a title but no text, nothing to index")
        return None
    sha = hashlib.sha256(raw).hexdigest()
    return Document(path=rel, title=title, date=date, text=text, body_start=body_start, sha256=sha)


def load_documents(seeds_dir: Path, max_bytes: int = 4_000_000,
                   exclude: Sequence[str] = ()) -> tuple[list[Document], list[str]]:
    """Every .txt and .md file under ``seeds_dir``, recursively, in a stable order.

    ``exclude`` names folders directly under ``seeds_dir`` to leave out: the shared
    corpus must not take in the servers' own documents kept in its ``servers/``.
    """
    warnings: list[str] = []
    if not seeds_dir.is_dir():
        return [], [f"{seeds_dir}: the seeds folder does not exist"]
    docs = []
    found = 0
    for file in sorted(seeds_dir.rglob("*")):
        rel = file.relative_to(seeds_dir).as_posix()
        parts = Path(rel).parts
        if file.suffix.lower() not in SUFFIXES or any(p.startswith(".") for p in parts):
            continue
        if len(parts) > 1 and parts[0] in exclude:
            continue
        if not file.is_file():
            continue
        found += 1
        doc = read_document(file, rel, warnings, max_bytes)
        if doc is not None:
            docs.append(doc)
    if not found:
        # Not an error (the bot may start before its documents arrive), but worth saying.
        warnings.append(f"{seeds_dir}: no .txt or .md documents in the seeds folder, nothing to answer from")
    return docs, warnings
