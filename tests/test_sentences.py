"""Sentence splitting: quotation marks, abbreviations, initials, and exact offsets."""
from __future__ import annotations

import pytest

from index.documents import Document
from index.sentences import paragraphs, split_document


def _doc(text: str) -> Document:
    return Document(path="t.txt", title="T", date=None, text=text, body_start=0, sha256="x")


def _split(text: str) -> list[str]:
    doc = _doc(text)
    sentences = split_document(doc, 0)
    assert all(doc.text[s.start : s.end] == s.text for s in sentences)
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Dr. J. R. R. Tolkien wrote it in 1937. Mr. Smith disagreed.",
            ["Dr. J. R. R. Tolkien wrote it in 1937.", "Mr. Smith disagreed."],
        ),
        (
            "The U.S. and Japan signed on Jan. 5, 2020. It held.",
            ["The U.S. and Japan signed on Jan. 5, 2020.", "It held."],
        ),
        (
            "“We talked about our relations.” The minister smiled. “Next year,” he said.",
            ["“We talked about our relations.”", "The minister smiled.", "“Next year,” he said."],
        ),
        ("It cost $3.5 million at 5 p.m. on Monday. Then it rained.", ["It cost $3.5 million at 5 p.m. on Monday.", "Then it rained."]),
        ("No final stop here", ["No final stop here"]),
    ],
)
def test_segmenter_copes_with_quotes_abbreviations_and_initials(text, expected):
    assert _split(text) == expected


def test_paragraph_numbers_and_offsets_survive_odd_spacing():
    text = "  First one.  Second one.\n \n\n\tThird, after blank lines.\nSame paragraph.\n\n"
    doc = _doc(text)
    sentences = split_document(doc, 0)
    assert [(s.paragraph, s.text) for s in sentences] == [
        (1, "First one."),
        (1, "Second one."),
        (2, "Third, after blank lines."),
        (2, "Same paragraph."),
    ]


def test_repeated_sentences_get_their_own_offsets():
    sentences = split_document(_doc("It rained. It snowed. It rained. It rained."), 0)
    assert [s.start for s in sentences] == [0, 11, 22, 33]


def test_a_sentence_of_one_word_is_joined_to_the_next_on_its_line_or_else_the_one_before():
    # "No." alone answers nothing; "No. Advertising … is not allowed." does.
    text = ("Can I advertise? No. Advertising is not allowed. Never.\n"
            "No.\n"
            "Yes. No. Yes.\n"
            "Is it free? Yes.")
    assert _split(text) == ["Can I advertise?", "No. Advertising is not allowed. Never.", "No.", "Yes. No. Yes.",
                            "Is it free? Yes."]
    doc = _doc(text)
    assert all(doc.text[s.start:s.end] == s.text for s in split_document(doc, 0))


def test_japanese_sentences_end_at_full_width_marks_with_their_closing_brackets():
    # pysbd's English rules never cut "。" followed by the next sentence without a space.
    text = ("サーバーへようこそ！以下のルールを守ってください。"
            "宣伝は禁止です。「違反すると追放です。」質問は？はい。\nEnglish here. And there.")
    assert _split(text) == ["サーバーへようこそ！", "以下のルールを守ってください。", "宣伝は禁止です。",
                            "「違反すると追放です。」", "質問は？", "はい。", "English here.", "And there."]
    doc = _doc(text)
    assert all(doc.text[s.start:s.end] == s.text for s in split_document(doc, 0))


def test_a_sentence_without_breaks_is_cut_to_a_quotable_length():
    text = "word " * 2_000
    sentences = split_document(_doc(text), 0)
    assert len(sentences) > 1 and max(len(s.text) for s in sentences) <= 1_500


def test_paragraphs_start_after_the_body_offset():
    text = "Header line\n\nBody one.\n\nBody two."
    assert [text[s:e] for s, e in paragraphs(text, 13)] == ["Body one.", "Body two."]


def test_hard_wrapped_prose_is_quoted_whole_with_its_own_line_breaks() -> None:
    # A README or reStructuredText file wrapped at 80 columns: pysbd alone cut a quote at
    # every line ("If you want each run to start afresh,").
    text = ("By default, no destination is set for any logging messages. You can specify\n"
            "a destination (such as console or file) by using basicConfig as in the\n"
            "tutorial examples. If you want each run to start afresh,\n"
            "not remembering the messages from earlier runs, set the mode.")
    assert _split(text) == [
        "By default, no destination is set for any logging messages.",
        "You can specify\na destination (such as console or file) by using basicConfig as in the\ntutorial examples.",
        "If you want each run to start afresh,\nnot remembering the messages from earlier runs, set the mode.",
    ]


def test_lines_that_are_units_keep_their_breaks() -> None:
    # List items, headings, rules, table rows and a line that ends a sentence stay apart;
    # a list item that wraps is one.
    text = ("Some items:\n- first item that wraps\n  onto a second line\n- second item\n# Heading\n"
            "Text under the heading\nthat wraps.\nTitle\n=====\n| a | b |\n| c | d |\nLast line.\nNext line")
    assert _split(text) == [
        "Some items:", "- first item that wraps\n  onto a second line", "- second item", "# Heading",
        "Text under the heading\nthat wraps.", "Title", "| a | b |", "| c | d |", "Last line.", "Next line",
    ]  # "=====" is no sentence: it has no letter or digit


def test_a_line_of_marks_alone_is_no_sentence() -> None:
    assert _split("First part.\n\n---\n\n* * *\n\nSecond part.") == ["First part.", "Second part."]


def test_headings_are_told_by_their_hash_or_their_underline() -> None:
    from index.sentences import is_heading

    text = "## How do I join?\nRead the rules first.\n\nTitle\n=====\n\nBody text.\nNot a title\n\n# Top"
    doc = _doc(text)
    flags = {s.text: is_heading(text, s) for s in split_document(doc, 0)}
    assert flags == {"## How do I join?": True, "Read the rules first.": False, "Title": True,
                     "Body text.": False, "Not a title": False, "# Top": True}


def test_a_tables_header_row_is_a_heading_and_its_rows_are_not() -> None:
    from index.sentences import is_heading

    text = ("| Game | Day |\n|:-----|----:|\n| Chess | Sunday |\n\nName | Role\n--- | ---\nAiko | mod\n\n"
            "| a | b |\n| c | d |")
    flags = {s.text: is_heading(text, s) for s in split_document(_doc(text), 0)}
    assert flags == {"| Game | Day |": True, "| Chess | Sunday |": False, "Name | Role": True, "Aiko | mod": False,
                     "| a | b |": False, "| c | d |": False}  # a table without a delimiter row has no header


def test_a_question_alone_on_its_line_is_a_heading_and_one_in_a_paragraph_is_not() -> None:
    from index.sentences import is_heading

    text = ("Q: How do I appeal a ban?\nA: Email the admins.\n\n**Can I DM the admins?**\nOnly for private matters.\n\n"
            "Is it free? Yes, always.\n\nIt is hard. Consider this: is there a route of at most 2000 km?")
    flags = {s.text: is_heading(text, s) for s in split_document(_doc(text), 0)}
    assert flags == {"Q: How do I appeal a ban?": True, "A: Email the admins.": False, "**Can I DM the admins?**": True,
                     "Only for private matters.": False, "Is it free?": False, "Yes, always.": False,
                     "It is hard.": False, "Consider this: is there a route of at most 2000 km?": False}
