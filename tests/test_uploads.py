"""Documents people send: names kept inside their folder, bad files refused, writes all or nothing."""
from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from index.documents import load_documents
from index.errors import UnknownDocument, UploadRefused
from index.uploads import listing, prepare, remove, safe_name, store

TODAY = date(2024, 5, 1)
TEA = b"# Tea in Japan\n\nMatcha is whisked with a bamboo whisk. Gyokuro is grown in shade for three weeks.\n"


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\notes.md", "notes.md"),
    ("/abs/path/tea.MD", "tea.md"),
    (".hidden.txt", "hidden.txt"),
    ("my notes (final).txt", "my_notes_final.txt"),
    ("a.b.c.txt", "a_b_c.txt"),
    ("日本の茶.md", "日本の茶.md"),
    ("ｔｅａ.txt", "tea.txt"),  # full-width, as phones type it
    ("x" * 300 + ".txt", "x" * 80 + ".txt"),
    ("we\x00ird\x1b[31m.txt", "we_ird_31m.txt"),
])
def test_names_stay_inside_the_folder(given: str, kept: str) -> None:
    assert safe_name(given) == kept


@pytest.mark.parametrize("given, reason", [
    ("report.pdf", "a .pdf file is not supported"),
    ("archive.tar.gz", "a .gz file is not supported"),
    ("README", "without an extension"),
    ("notes.txt/", "without an extension"),
    ("evil.`@everyone`", "that kind of file"),
    ("....txt", "no letters or digits"),
    (".txt", "no letters or digits"),
    ("", "without an extension"),
])
def test_names_that_cannot_be_kept_are_refused(given: str, reason: str) -> None:
    with pytest.raises(UploadRefused, match=reason):
        safe_name(given)


def _zip() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("inner.txt", "Matcha is whisked.")
    return buf.getvalue()


@pytest.mark.parametrize("name, raw, reason", [
    ("big.txt", b"word " * 300, "it is 1.5 kB; the limit is 1.0 kB"),
    ("empty.txt", b"", "the file is empty"),
    ("blank.md", b"  \n\t\n", "the file is empty"),
    ("archive.txt", None, "a ZIP archive"),
    ("image.md", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "a PNG image"),
    ("doc.txt", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "a PDF"),
    ("nul.txt", b"text\x00with a NUL", "NUL bytes"),
    ("latin1.txt", "Café au lait, crème brûlée.".encode("latin-1"), "not UTF-8 text"),
    ("utf16.txt", "Matcha is whisked.".encode("utf-16"), "UTF-16"),
    ("digits.txt", b"1234 5678\n9999", "no letters"),
    ("title.md", b"# Only a title\n", "a title but no text"),
])
def test_bad_files_are_refused_with_a_reason(name: str, raw: bytes | None, reason: str) -> None:
    with pytest.raises(UploadRefused, match=reason):
        prepare(name, _zip() if raw is None else raw, max_bytes=1000, today=TODAY)


def test_an_undated_document_is_dated_today_and_keeps_its_title() -> None:
    upload = prepare("tea.md", TEA.replace(b"\n", b"\r\n"), max_bytes=10_000, today=TODAY)
    assert (upload.name, upload.title, upload.date) == ("tea.md", "Tea in Japan", "2024-05-01")
    text = upload.data.decode("utf-8")
    assert text.startswith("date 2024-05-01 Tea in Japan\n\nMatcha") and "\r" not in text


def test_a_dated_document_keeps_its_own_date() -> None:
    raw = b" date 2022-01-09 Ministers meet\n\nThey met on Thursday.\n"
    upload = prepare("m.txt", raw, max_bytes=10_000, today=TODAY)
    assert (upload.title, upload.date) == ("Ministers meet", "2022-01-09")
    assert upload.data == raw


def test_a_document_without_a_title_is_named_after_its_file() -> None:
    upload = prepare("tea-notes.txt", b"Matcha is whisked with a bamboo whisk.", max_bytes=10_000, today=TODAY)
    assert upload.data.decode() == "date 2024-05-01 Tea notes\nMatcha is whisked with a bamboo whisk."


def test_the_date_line_may_not_tip_a_file_over_the_limit() -> None:
    raw = b"x" + b" word" * 199
    with pytest.raises(UploadRefused, match="as stored"):
        prepare("full.txt", raw, max_bytes=len(raw), today=TODAY)


def _stored(folder: Path, name: str = "tea.md", raw: bytes = TEA, **kw) -> str | None:
    upload = prepare(name, raw, max_bytes=10_000, today=TODAY)
    options = {"replace": False, "max_documents": 3, "max_total_bytes": 1000, **kw}
    return store(folder, upload, **options)


def test_store_writes_whole_files_the_index_reads(tmp_path: Path) -> None:
    folder = tmp_path / "servers" / "1"
    assert _stored(folder) is None
    assert listing(folder) == [("tea.md", (folder / "tea.md").stat().st_size)]
    assert [p.name for p in folder.iterdir()] == ["tea.md"]  # no temporary file left behind
    docs, warnings = load_documents(folder)
    assert [(d.path, d.title, d.date) for d in docs] == [("tea.md", "Tea in Japan", "2024-05-01")] and not warnings


def test_no_overwrite_without_replace_in_any_case(tmp_path: Path) -> None:
    _stored(tmp_path)
    before = (tmp_path / "tea.md").read_bytes()
    with pytest.raises(UploadRefused, match="replace: True"):
        _stored(tmp_path, "TEA.md", TEA + b"More.\n")
    assert (tmp_path / "tea.md").read_bytes() == before and listing(tmp_path)[0][0] == "tea.md"
    assert _stored(tmp_path, "TEA.md", TEA + b"More words.\n", replace=True) == "tea.md"
    assert [n for n, _ in listing(tmp_path)] == ["TEA.md"]
    assert (tmp_path / "TEA.md").read_bytes().endswith(b"More words.\n")


def test_quotas_count_documents_and_bytes(tmp_path: Path) -> None:
    for name in ("a.md", "b.md", "c.md"):
        _stored(tmp_path, name)
    with pytest.raises(UploadRefused, match="already has 3 documents"):
        _stored(tmp_path, "d.md")
    assert _stored(tmp_path, "c.md", replace=True) == "c.md"  # replacing takes no new room
    other = tmp_path / "other"
    _stored(other, "a.md", max_total_bytes=200, max_documents=10)
    with pytest.raises(UploadRefused, match="over its 200 bytes limit"):
        _stored(other, "b.md", max_total_bytes=200, max_documents=10)
    assert [n for n, _ in listing(tmp_path / "other")] == ["a.md"]


def test_a_failed_write_leaves_nothing_and_old_debris_is_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import index.files as files

    (tmp_path / ".upload-crashed.tmp").write_bytes(b"half a file")

    monkeypatch.setattr(files.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        _stored(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_remove_takes_one_document_and_names_the_rest(tmp_path: Path) -> None:
    _stored(tmp_path, "tea.md")
    _stored(tmp_path, "coffee.md")
    with pytest.raises(UnknownDocument, match="coffee.md, tea.md"):
        remove(tmp_path, "../seeds/article.txt")
    assert remove(tmp_path, "TEA.MD") == "tea.md"
    assert [n for n, _ in listing(tmp_path)] == ["coffee.md"]
