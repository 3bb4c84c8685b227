"""Reading seeds: headers, titles, encodings, sizes, and files that can't be used."""
from __future__ import annotations

from pathlib import Path

from conftest import ARTICLE
from index.documents import load_documents
from index.sentences import split_document


def _load(folder: Path, **kw):
    return load_documents(folder, **kw)


def test_article_header_gives_date_and_title_and_is_not_quotable(seeds):
    docs, warnings = _load(seeds)
    assert warnings == []
    [doc] = docs
    assert doc.date == "2022-01-09"
    assert doc.title.startswith("The foreign ministers of Turkey and Japan meet")
    assert doc.text == ARTICLE.read_text(encoding="utf-8")
    sentences = split_document(doc, 0)
    assert not any("date 2022" in s.text for s in sentences)
    assert sentences[0].paragraph == 1 and sentences[0].text.startswith("Minister Mevlut Cavusoglu")


def test_titles_come_from_markdown_heading_first_line_or_file_name(tmp_path):
    (tmp_path / "a.md").write_text("# Tea ceremony\n\nMatcha is whisked.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Short title line\n\nBody sentence here.\n", encoding="utf-8")
    (tmp_path / "my_notes-file.txt").write_text("This is a sentence. Another one follows.\n", encoding="utf-8")
    docs = {d.path: d for d in _load(tmp_path)[0]}
    assert docs["a.md"].title == "Tea ceremony"
    assert docs["b.txt"].title == "Short title line"
    assert docs["my_notes-file.txt"].title == "My notes file"
    assert docs["my_notes-file.txt"].body_start == 0  # no title line: every sentence is quotable


def test_recursive_and_only_text_files(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "x.txt").write_text("Deep text here.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.txt").write_text("Not for indexing.", encoding="utf-8")
    docs, _ = _load(tmp_path)
    assert [d.path for d in docs] == ["sub/deeper/x.txt"]


def test_invalid_utf8_is_replaced_with_a_warning_naming_the_file(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Café au lait is served in Paris.".encode("latin-1"))
    docs, warnings = _load(tmp_path)
    assert len(docs) == 1 and "�" in docs[0].text
    assert any("latin1.txt" in w and "UTF-8" in w for w in warnings)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "notepad.txt").write_bytes("Kyoto was the capital until 1869.".encode("utf-16"))
    [doc], warnings = _load(tmp_path)
    assert warnings == [] and doc.text == "Kyoto was the capital until 1869."


def test_crlf_line_ends_keep_offsets_exact(tmp_path):
    (tmp_path / "win.txt").write_bytes(b"Title\r\n\r\nFirst sentence here. Second one.\r\n\r\nNew paragraph.\r\n")
    [doc], warnings = _load(tmp_path)
    assert warnings == [] and "\r" not in doc.text
    sentences = split_document(doc, 0)
    assert [s.text for s in sentences] == ["First sentence here.", "Second one.", "New paragraph."]
    assert [s.paragraph for s in sentences] == [1, 1, 2]
    assert all(doc.text[s.start : s.end] == s.text for s in sentences)


def test_empty_and_whitespace_files_are_skipped_with_a_warning(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n\t\n", encoding="utf-8")
    (tmp_path / "title-only.md").write_text("# Just a title\n", encoding="utf-8")
    docs, warnings = _load(tmp_path)
    assert docs == []
    assert {w.split(":")[0] for w in warnings} == {"empty.txt", "blank.md", "title-only.md"}


def test_file_over_the_size_limit_is_skipped_with_a_clear_warning(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Filler sentence number one. " * 190_000, encoding="utf-8")  # about 5.3 MB
    (tmp_path / "small.txt").write_text("A small file is fine.", encoding="utf-8")
    docs, warnings = _load(tmp_path)  # the default limit is 4 MB
    assert [d.path for d in docs] == ["small.txt"]
    assert any(w.startswith("big.txt: skipped") and "MB" in w for w in warnings)


def test_one_huge_paragraph_is_segmented_in_bounded_pieces(tmp_path):
    big = tmp_path / "big.txt"
    # 400 KB with no blank line and no line break: pysbd must get it in pieces.
    big.write_text("Dr. Tanaka met Mr. J. Smith in Tokyo today. " * 9_000, encoding="utf-8")
    [doc], warnings = _load(tmp_path)
    assert warnings == []
    sentences = split_document(doc, 0)
    assert len(sentences) == 9_000
    assert {s.text for s in sentences} == {"Dr. Tanaka met Mr. J. Smith in Tokyo today."}
    assert all(doc.text[s.start : s.end] == s.text for s in sentences)


def test_unreadable_file_is_reported_not_raised(tmp_path):
    target = tmp_path / "gone.txt"
    target.symlink_to(tmp_path / "missing.txt")
    (tmp_path / "ok.txt").write_text("Fine text.", encoding="utf-8")
    docs, warnings = _load(tmp_path)
    assert [d.path for d in docs] == ["ok.txt"]


def test_missing_seeds_folder_is_a_warning(tmp_path):
    docs, warnings = _load(tmp_path / "nope")
    assert docs == [] and "does not exist" in warnings[0]


def test_binary_file_named_txt_is_skipped_with_a_warning(tmp_path):
    import random

    (tmp_path / "x.txt").write_bytes(random.Random(9).randbytes(100_000))  # head -c 100000 /dev/urandom
    (tmp_path / "ok.txt").write_text("Fine text.", encoding="utf-8")
    docs, warnings = _load(tmp_path)
    assert [d.path for d in docs] == ["ok.txt"]
    assert [w for w in warnings if w.startswith("x.txt: skipped")] and len(warnings) == 1


def test_control_characters_without_nul_bytes_are_skipped_as_binary(tmp_path):
    (tmp_path / "controls.txt").write_bytes(bytes(range(1, 32)) * 200 + b"a few letters")
    docs, warnings = _load(tmp_path)
    assert docs == [] and warnings[0].startswith("controls.txt: skipped") and "binary" in warnings[0]


def test_utf16_without_a_byte_order_mark_is_skipped_with_a_warning(tmp_path):
    text = "The purple cow crossed the bridge at noon."
    (tmp_path / "le.txt").write_bytes(text.encode("utf-16-le"))
    (tmp_path / "be.txt").write_bytes(text.encode("utf-16-be"))
    docs, warnings = _load(tmp_path)
    assert docs == []
    assert sorted(w.split(":")[0] for w in warnings) == ["be.txt", "le.txt"]
    assert all("UTF-16 without a byte-order mark" in w for w in warnings)


def test_a_file_without_letters_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "numbers.txt").write_text("1924 1925 ... 2022-01-09 42 %%%\n", encoding="utf-8")
    docs, warnings = _load(tmp_path)
    assert docs == [] and warnings[0].startswith("numbers.txt: skipped") and "no letters" in warnings[0]


def test_latin1_with_many_accents_is_still_indexed(tmp_path):
    text = "Café au lait est servi à Paris, déjà très célèbre. Les élèves étudient."
    (tmp_path / "fr.txt").write_bytes(text.encode("latin-1"))
    docs, warnings = _load(tmp_path)
    assert len(docs) == 1 and any("not valid UTF-8" in w for w in warnings)


def test_empty_seeds_folder_is_a_warning(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    docs, warnings = _load(tmp_path)
    assert docs == [] and len(warnings) == 1 and "no .txt or .md documents" in warnings[0]


def test_the_readme_states_the_decoding_rule_the_code_uses():
    from conftest import ROOT
    from index.documents import _MAX_BAD_SHARE

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    rule = readme[readme.index("How a document is decoded") :][:1200]
    for clause in ("byte-order mark is dropped", "become `�`", "CRLF and lone CR line ends become LF",
                   "U+001F other than tab and newline become spaces", f"more than {_MAX_BAD_SHARE:.0%}",
                   "UTF-16 without a byte-order mark", "no letters"):
        assert clause in rule, clause
