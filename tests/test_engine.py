"""Answering and rebuilding: the engine's contract, on a deterministic fake embedder."""
from __future__ import annotations

import threading

import pytest

from conftest import RELATIONS
from index import Engine, IndexBuildError, InvalidQuestion, RebuildInProgress, UnknownDocument
from index.embedder import HashingEmbedder
from index.engine import clean_question

ARTICLE = "turkey-japan-foreign-ministers-2022-01-09.txt"


@pytest.fixture
def engine(seeds, tmp_path, hashing) -> Engine:
    (seeds / "tea.md").write_text(
        "# Tea\n\nMatcha is whisked with a bamboo whisk. Sencha is steeped for one minute.\n\n"
        "Gyokuro is grown in shade for three weeks.\n",
        encoding="utf-8",
    )
    return Engine.open(seeds, tmp_path / "idx", hashing)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "???", "\x00\x01"])
def test_empty_or_wordless_questions_are_refused(engine, question):
    with pytest.raises(InvalidQuestion):
        engine.ask(question)


def test_huge_question_is_refused_with_its_length(engine):
    with pytest.raises(InvalidQuestion, match="1001 characters"):
        engine.ask("a" * 1001)


def test_hostile_text_is_just_a_question(engine):
    answer = engine.ask("<@everyone> `rm -rf /` **bold** ${jndi:ldap://x} ' OR 1=1 -- relations 1924")
    assert answer.passage is not None and answer.question.startswith("<@everyone>")


@pytest.mark.parametrize("mention", ["<@123>", "<@!123>", "<@&456>", "<#789>"])
def test_discord_mentions_are_no_part_of_the_question(engine, mention):
    assert clean_question(f"{mention} when did relations begin?") == "when did relations begin?"
    assert clean_question(f"when did {mention} relations begin?{mention}") == "when did relations begin?"
    answer = engine.ask(f"{mention} when did diplomatic relations begin?")
    assert answer.question == "when did diplomatic relations begin?" and answer.quote == RELATIONS
    with pytest.raises(InvalidQuestion, match="empty"):
        engine.ask(f"{mention} {mention}")


def test_names_the_bot_wrote_for_mentions_stay_in_the_question():
    assert clean_question("what did @Alice say in #general?") == "what did @Alice say in #general?"


def test_full_width_letters_and_invisible_characters_ask_the_same_question(engine):
    plain = engine.ask("when did diplomatic relations begin")
    for typed in ("ｗｈｅｎ ｄｉｄ ｄｉｐｌｏｍａｔｉｃ ｒｅｌａｔｉｏｎｓ ｂｅｇｉｎ", "when did dip\u200blomatic rela\u00adtions begin\u200f"):
        answer = engine.ask(typed)
        assert answer.question == "when did diplomatic relations begin"
        assert answer.quote == plain.quote and answer.score == plain.score


def test_answer_carries_source_offsets_and_context(engine, seeds):
    answer = engine.ask("diplomatic relations began 1924 Turkish mission")
    p = answer.passage
    assert p.quote == RELATIONS and p.document == ARTICLE and p.date == "2022-01-09" and p.paragraph == 14
    text = (seeds / ARTICLE).read_text(encoding="utf-8")
    assert text[p.start : p.end] == RELATIONS
    assert answer.context_before.endswith("Ottoman era.") and answer.context_after.startswith("In 2013")


def test_alternatives_are_distinct_and_limited_by_k(engine):
    answer = engine.ask("tea whisk shade steeped", k=2)
    quotes = [answer.quote, *[a.quote for a in answer.alternatives]]
    assert len(answer.alternatives) == 2 and len(set(quotes)) == 3
    assert engine.ask("tea", k=0).alternatives == ()


def test_document_filter_restricts_the_search(engine):
    answer = engine.ask("relations 1924", document="tea.md")
    assert answer.passage.document == "tea.md"
    assert {a.document for a in answer.alternatives} == {"tea.md"}
    with pytest.raises(UnknownDocument, match="nope.txt"):
        engine.ask("relations", document="nope.txt")


def test_ask_many_keeps_order_and_matches_ask(engine):
    questions = [("gyokuro shade weeks", None), ("relations 1924", ARTICLE), ("matcha whisk", "tea.md")]
    batch = engine.ask_many(questions)
    single = [engine.ask(q, document=d) for q, d in questions]
    assert [a.quote for a in batch] == [a.quote for a in single]
    assert [a.question for a in batch] == [q for q, _ in questions]


def test_to_dict_has_the_stable_json_fields(engine):
    data = engine.ask("relations 1924").to_dict()
    for key in ("question", "answered", "quote", "document", "title", "date", "paragraph", "start", "end", "score", "alternatives"):
        assert key in data
    # Fields are added, never renamed or dropped (the corpus, "scope", came with server corpora).
    assert set(data["alternatives"][0]) >= {"quote", "document", "paragraph", "start", "end", "score"}
    assert data["scope"] is None and data["alternatives"][0]["scope"] is None


def test_empty_seeds_give_a_not_found_answer_not_a_crash(tmp_path, hashing):
    (tmp_path / "seeds").mkdir()
    engine = Engine.open(tmp_path / "seeds", tmp_path / "idx", hashing)
    answer = engine.ask("anything?")
    assert answer.answered is False and answer.passage is None
    assert engine.documents() == []


def test_missing_seeds_folder_fails_the_build_clearly(tmp_path, hashing):
    with pytest.raises(IndexBuildError, match="does not exist"):
        Engine.open(tmp_path / "nowhere", tmp_path / "idx", hashing)


class _BlockingEmbedder(HashingEmbedder):
    """Holds a rebuild mid-embedding so a test can act while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.block = False

    def encode(self, texts, batch_size=64):
        if self.block and len(texts) > 1:
            self.entered.set()
            assert self.release.wait(10)
        return super().encode(texts, batch_size)


def test_questions_are_answered_from_the_old_index_during_a_rebuild(seeds, tmp_path):
    embedder = _BlockingEmbedder()
    engine = Engine.open(seeds, tmp_path / "idx", embedder)
    (seeds / "sake.txt").write_text("Sake is brewed from polished rice. Koji starts it.", encoding="utf-8")
    embedder.block = True
    worker = threading.Thread(target=engine.rebuild)
    worker.start()
    try:
        assert embedder.entered.wait(10)
        assert engine.rebuilding
        assert engine.ask("sake polished rice").passage.document != "sake.txt"  # old index
        with pytest.raises(RebuildInProgress):
            engine.rebuild()
    finally:
        embedder.release.set()
        worker.join(10)
    assert engine.ask("sake polished rice").passage.document == "sake.txt"  # swapped in


def test_failed_rebuild_keeps_the_old_index_serving(engine, seeds, monkeypatch):
    before = engine.ask("gyokuro shade").quote
    (seeds / "new.txt").write_text("Brand new text.", encoding="utf-8")

    def broken(texts, batch_size=64):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(engine.embedder, "encode", broken)
    with pytest.raises(IndexBuildError, match="model exploded"):
        engine.rebuild()
    monkeypatch.undo()
    assert not engine.rebuilding
    assert engine.ask("gyokuro shade").quote == before
    assert all(d.path != "new.txt" for d in engine.documents())


def test_rebuild_progress_starts_at_zero_and_ends_at_the_total(seeds, tmp_path):
    engine = Engine.open(seeds, tmp_path / "idx", HashingEmbedder())
    (seeds / "sake.txt").write_text("Sake is brewed from polished rice. It is served warm or cold.", encoding="utf-8")
    calls = []
    engine.rebuild(progress=lambda stage, done, total: calls.append((stage, done, total)))
    embedding = [(done, total) for stage, done, total in calls if stage == "embedding"]
    assert embedding[0] == (0, 2) and embedding[-1] == (2, 2)  # two new sentences, each embedded once
    assert all(a[0] <= b[0] for a, b in zip(embedding, embedding[1:]))


def test_confidence_words_follow_the_verdict_then_the_probability():
    from index.engine import confidence_words

    assert [confidence_words("answer", c) for c in (0.2, 0.49, 0.5, 0.99)] == ["medium", "medium", "high", "high"]
    assert confidence_words("likely", 0.9) == "low" and confidence_words("not_found", 0.9) == "none"


def test_example_questions_are_ones_the_engine_answers(article_engine):
    examples = article_engine.example_questions(5)
    assert examples and all(q.startswith("What happened in ") for q in examples)
    for question in examples:
        answer = article_engine.ask(question)
        assert answer.answered and question[len("What happened in "):-1] in answer.quote
    assert article_engine._examples[0] is article_engine.corpus  # computed once per index


def test_no_years_means_no_examples(engine):
    (engine.seeds_dir / ARTICLE).unlink()
    engine.rebuild()
    assert engine.example_questions() == []


def test_the_document_list_follows_each_rebuild(engine):
    before = engine.documents()
    assert {d.path for d in before} == {ARTICLE, "tea.md"}
    before.clear()  # a caller changing its copy changes nothing here
    assert len(engine.documents()) == 2
    (engine.seeds_dir / "tea.md").unlink()
    engine.rebuild()
    assert [d.path for d in engine.documents()] == [ARTICLE]


def test_an_answers_verdict_follows_answered_and_never_contradicts_it():
    import pytest

    from index.answer import Answer

    assert Answer("q", False, None).verdict == "not_found" and Answer("q", True, None).verdict == "answer"
    assert Answer("q", True, None, verdict="likely").answered
    with pytest.raises(ValueError):
        Answer("q", False, None, verdict="answer")


def _engine_over(tmp_path, embedder, name: str, text: str) -> Engine:
    """An engine over one document, ``name`` holding ``text``, in a seeds folder of its own."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / name).write_text(text, encoding="utf-8")
    return Engine.open(seeds, tmp_path / "index", embedder)


def test_headings_alone_are_shown_as_the_closest_never_as_an_answer(tmp_path, embedder):
    # A document of headings only (a page just started): "## Events" was quoted as the
    # answer to "when are the events", with the heading's words as its evidence.
    engine = _engine_over(tmp_path, embedder, "rules.md", "# Rules\n\n## Events\n\n## Support\n")
    answer = engine.ask("when are the events")
    assert answer.verdict == "not_found" and answer.quote == "## Events"


def test_an_faq_heading_is_never_the_quote_but_names_what_follows(tmp_path, embedder):
    # Quoted as an answer, the heading "## How do I get the member role?" only repeated
    # the question; its words now count for the sentence under it instead.
    engine = _engine_over(tmp_path, embedder, "faq.md",
        "# Server FAQ\n\n## How do I get the member role?\nRead the rules in #rules, then react with a green tick.\n\n"
        "## Who are the moderators?\n\nThe moderators are Aiko, Deniz and Sam.\n\n"
        "Events\n======\n\nGame nights are held every Friday at 20:00 UTC.\n")
    role = engine.ask("how do i get the member role")
    assert role.quote == "Read the rules in #rules, then react with a green tick."
    mods = engine.ask("who are the moderators?", k=5)
    assert mods.quote == "The moderators are Aiko, Deniz and Sam."  # its heading is a paragraph of its own
    quoted = [mods.quote] + [p.quote for p in mods.alternatives]
    assert not any(q.startswith("#") or q == "Events" for q in quoted)


def test_an_faq_answers_with_its_yes_or_no_its_table_rows_and_its_answer_lines(tmp_path, embedder):
    # "No." was a sentence of its own, and quoted alone; "Q: How do I appeal a ban?" was
    # quoted for "how do i appeal a ban", as a heading had been; a table's header row
    # ("| Game | Day | Prize |") was quoted for "the prize for chess", and its words
    # counted for the first row only, so the Valorant row won over the Chess row.
    engine = _engine_over(tmp_path, embedder, "faq.md",
        "# Server FAQ\n\n## Can I advertise my own server?\n\nNo. Advertising other servers is not allowed, "
        "even in DMs, and leads to a ban.\n\n## Tournaments\n\n| Game | Day | Prize |\n|------|-----|-------|\n"
        "| Valorant | Saturday | 50 USD |\n| Chess | Sunday | Nitro |\n\n"
        "Q: How do I appeal a ban?\nA: Email appeals@example.com with your Discord ID.\n")
    advertise = engine.ask("can i advertise")
    assert advertise.quote == "No. Advertising other servers is not allowed, even in DMs, and leads to a ban."
    chess = engine.ask("what is the prize for chess", k=5)
    assert chess.quote == "| Chess | Sunday | Nitro |"
    assert "| Game | Day | Prize |" not in [p.quote for p in chess.alternatives]
    assert engine.ask("which day is valorant").quote == "| Valorant | Saturday | 50 USD |"
    # An FAQ's question line, "Q: …?", is its heading: the answer under it is quoted.
    assert engine.ask("how do i appeal a ban").quote == "A: Email appeals@example.com with your Discord ID."


def test_a_list_item_is_read_with_what_leads_into_the_list(tmp_path, embedder):
    # Each item borrowed words from the item above it, a sibling that says nothing of it,
    # so "what was fixed in 2.1" found nothing three items under "## Patch notes 2.1".
    engine = _engine_over(tmp_path, embedder, "notes.md",
        "# Server notes\n\n## Patch notes 2.1\n\n* Added the /signup command.\n"
        "* Fixed: tournament brackets showed the wrong time zone.\n* Removed the old #lfg channel.\n\n"
        "## Patch notes 2.0\n\n* Added tournaments.\n* Fixed: the bot replied twice to every question.\n")
    fixed = engine.ask("what was fixed in 2.1")
    assert fixed.verdict != "not_found"
    assert fixed.quote == "* Fixed: tournament brackets showed the wrong time zone."
