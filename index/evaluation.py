"""Measuring the engine: SQuAD articles as documents, ReQA metrics, the article question set.

Pure: no printing, no environment. ``bot/eval_cmd.py`` renders what this returns.

The ReQA rule (Ahmad et al. 2019) decides what counts as right: the quoted sentence
must cover the character where one of the annotators' answers starts.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .corpus import Corpus
from .documents import Document
from .errors import DataFileError
from .lexical import build_bm25
from .ranking import Calibration, Weights, rank
from .reference_questions import References, scope_hubness
from .tokens import Tokens

PARAGRAPH_SEPARATOR = "\n\n"
# Every weight spelled out: a default left in would fuse that signal into a baseline.
BM25_ONLY = Weights(token_match=0.0, dense_sentence=0.0, lexical_sentence=1.0, lexical_chunk=0.0, kind=0.0, length=0.0)
DENSE_ONLY = Weights(token_match=0.0, dense_sentence=1.0, lexical_sentence=0.0, lexical_chunk=0.0, kind=0.0, length=0.0)


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    doc: int  # index of its article in the document list
    starts: tuple[int, ...]  # answer starts as offsets into the document text
    impossible: bool


@dataclass(frozen=True)
class SquadSet:
    documents: list[Document]
    questions: list[SquadQuestion]


def squad_documents(data: dict) -> SquadSet:
    """One Document per article: paragraphs joined by a blank line, so offsets carry over."""
    documents, questions = [], []
    for a, article in enumerate(data["data"]):
        parts, offset = [], 0
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                starts = tuple(sorted({offset + int(ans["answer_start"]) for ans in qa.get("answers", [])}))
                impossible = bool(qa.get("is_impossible")) or not starts
                questions.append(SquadQuestion(qa["id"], qa["question"], a, () if impossible else starts, impossible))
            parts.append(context)
            offset += len(context) + len(PARAGRAPH_SEPARATOR)
        text = PARAGRAPH_SEPARATOR.join(parts)
        title = article["title"].replace("_", " ")
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        documents.append(Document(path=f"{article['title']}.txt", title=title, date=None, text=text, body_start=0, sha256=sha))
    return SquadSet(documents, questions)


def load_squad(path: Path) -> SquadSet:
    """A SQuAD 2.0 JSON file as documents and questions; DataFileError names what is wrong."""
    what = "pass a SQuAD 2.0 JSON file such as dev-v2.0.json"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise DataFileError(f"cannot read the SQuAD file {path} ({err.strerror or err}): {what}") from err
    except ValueError as err:
        raise DataFileError(f"{path} is not JSON ({err}): {what}") from err
    try:
        squad = squad_documents(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise DataFileError(f"{path} is not SQuAD 2.0 ({type(err).__name__}: {err}): {what}") from err
    if not squad.questions:
        raise DataFileError(f"{path} holds no SQuAD questions: {what}")
    return squad


def gold_rows(corpus: Corpus, doc: int, starts: Sequence[int]) -> np.ndarray:
    """Rows of the sentences of ``doc`` that cover any of the answer starts."""
    rows = np.flatnonzero(corpus.doc_ids == doc)
    begin = corpus.starts[rows]
    end = corpus.ends[rows]
    hit = np.zeros(len(rows), dtype=bool)
    for s in starts:
        hit |= (begin <= s) & (s < end)
    return rows[hit]


# -- metrics ------------------------------------------------------------------------------


@dataclass
class Scores:
    """P@1, MRR and recall@5 over questions with a known gold position (1-based, 0 = missed)."""

    positions: list[int] = field(default_factory=list)

    def add(self, position: int) -> None:
        self.positions.append(position)

    @property
    def n(self) -> int:
        return len(self.positions)

    def p_at_1(self) -> float:
        return _mean([p == 1 for p in self.positions])

    def mrr(self) -> float:
        return _mean([1.0 / p if p else 0.0 for p in self.positions])

    def recall_at(self, k: int = 5) -> float:
        return _mean([0 < p <= k for p in self.positions])

    def to_dict(self) -> dict:
        return {"n": self.n, "p_at_1": round(self.p_at_1(), 4), "mrr": round(self.mrr(), 4), "recall_at_5": round(self.recall_at(5), 4)}


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def position_of(ordered_rows: np.ndarray, gold: np.ndarray) -> int:
    """1-based rank of the first gold row in ``ordered_rows``; 0 when none is there."""
    hits = np.flatnonzero(np.isin(ordered_rows, gold))
    return int(hits[0]) + 1 if len(hits) else 0


# -- the article question set ---------------------------------------------------------------


@dataclass(frozen=True)
class ArticleQuestion:
    question: str
    gold: str | None  # the sentence that answers it; None when nothing in the documents does
    # "answerable"; "near_miss": about the documents' subject, but they don't answer it;
    # "off_topic": about something the documents never speak of.
    role: str = "answerable"
    language: str = "en"  # the language it is written in, as its set says


def _json_lines(path: Path, shape: str, make) -> list:
    """``make(item)`` for each JSON object line of ``path``; a bad line names the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as err:
        raise DataFileError(f"cannot read the question file {path} ({getattr(err, 'strerror', None) or err})") from err
    out = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                out.append(make(json.loads(line)))
            except json.JSONDecodeError as err:
                raise DataFileError(f"{path}, line {number}: broken JSON ({err.msg}, column {err.colno}); {shape}") from err
            except (KeyError, TypeError, AttributeError) as err:
                raise DataFileError(f"{path}, line {number}: not a question ({type(err).__name__}: {err}); {shape}") from err
    return out


def load_article_questions(path: Path) -> list[ArticleQuestion]:
    """``{"question", "gold", "kind"}`` per line; blank lines are skipped.

    ``kind`` is answerable, near_miss or off_topic (``unanswerable``, the older word,
    reads as near_miss).
    """
    def make(item: dict) -> ArticleQuestion:
        role = {"unanswerable": "near_miss"}.get(item.get("kind", "answerable"), item.get("kind", "answerable"))
        return ArticleQuestion(item["question"], item.get("gold") if role == "answerable" else None, role, item.get("language", "en"))

    return _json_lines(path, 'each line must be a JSON object like {"question": "...", "gold": "...", "kind": "..."}', make)


@dataclass(frozen=True)
class CasualQuestion:
    question: str
    document: str | None  # the file it is about; None for off-topic questions
    evidence: str | None  # verbatim text inside the answering sentence
    role: str  # "answerable" or "off_topic"
    language: str = "en"


def load_casual_questions(path: Path) -> list[CasualQuestion]:
    """``{"question", "document", "evidence", "kind"}`` per line (the held-out casual set)."""
    return _json_lines(
        path,
        'each line must be a JSON object like {"question": "...", "document": "...", "evidence": "...", "kind": "..."}',
        lambda item: CasualQuestion(item["question"], item.get("document"), item.get("evidence"), item["kind"], item.get("language", "en")),
    )


def casual_gold(documents: Sequence[Document], question: CasualQuestion) -> tuple[str, int] | None:
    """(document path, character offset) of the evidence, which the quote must cover."""
    if question.role != "answerable":
        return None
    for doc in documents:
        if doc.path == question.document:
            at = doc.text.find(question.evidence)
            if at < 0:
                raise ValueError(f"evidence of {question.question!r} is not in {doc.path}")
            return doc.path, at
    raise ValueError(f"no document {question.document!r} for {question.question!r}")


def evaluate_articles(engine, questions: Sequence[ArticleQuestion]) -> dict:
    """The seed article's question set: right when the top quote is the gold sentence."""
    answers = engine.ask_many([(q.question, None) for q in questions], k=0)
    right = [q.gold is not None and a.quote == q.gold for q, a in zip(questions, answers)]
    return decision_figures([q.role for q in questions], [q.question for q in questions], answers, right, engine.calibration.answer)


def evaluate_casual(engine, questions: Sequence[CasualQuestion]) -> dict:
    """The casual held-out set: right when the quote covers the start of the evidence."""
    documents = engine.corpus.documents
    answers = engine.ask_many([(q.question, None) for q in questions], k=0)
    right = []
    for q, a in zip(questions, answers):
        gold = casual_gold(documents, q)
        p = a.passage
        right.append(bool(gold and p and p.document == gold[0] and p.start <= gold[1] < p.end))
    return decision_figures([q.role for q in questions], [q.question for q in questions], answers, right, engine.calibration.answer)


def decision_figures(roles: Sequence[str], asked: Sequence[str], answers: Sequence, right: Sequence[bool], threshold: float) -> dict:
    """How the three verdicts fall, against one baseline from the same answers.

    The baseline is the single-score rule: answer when the match probability reaches
    the answer threshold, refuse otherwise (no likely band, no topic model).
    """
    roles = np.array(roles)
    right = np.array(right, bool)
    verdicts = np.array([a.verdict for a in answers])
    scores = np.array([_confidence(a) for a in answers])
    a = roles == "answerable"
    off = roles == "off_topic"
    near = roles == "near_miss"
    misses = [
        {"question": q, "why": why, "verdict": v, "quote": ans.quote, "score": ans.score}
        for q, ans, r, v, role in zip(asked, answers, right, verdicts, roles)
        for why in [_miss(role, r, v)]
        if why
    ]
    return {
        "answerable": int(a.sum()),
        "near_miss": int(near.sum()),
        "off_topic": int(off.sum()),
        "threshold": threshold,
        "top1": _mean(right[a]),
        "top_right_kept": _mean(verdicts[a & right] != "not_found"),
        "right_and_not_refused": _mean(right[a] & (verdicts[a] != "not_found")),
        "answer_share": _mean(verdicts[a] == "answer"),
        "off_topic_not_found": _mean(verdicts[off] == "not_found"),
        "near_miss_not_found": _mean(verdicts[near] == "not_found"),
        "near_miss_answer": _mean(verdicts[near] == "answer"),
        "baseline_right_and_answered": _mean(right[a] & (scores[a] >= threshold)),
        "baseline_top_right_kept": _mean(scores[a & right] >= threshold),
        "baseline_off_topic_declined": _mean(scores[off] < threshold),
        "misses": misses,
        "confidences": scores.tolist(),
    }


def _miss(role: str, right: bool, verdict: str) -> str | None:
    if role == "answerable" and not right:
        return "wrong sentence"
    if role == "answerable" and verdict == "not_found":
        return "refused"
    if role == "off_topic" and verdict != "not_found":
        return f"off-topic given {verdict}"
    if role == "near_miss" and verdict == "answer":
        return "near miss answered"
    return None


def _confidence(answer) -> float:
    """The match probability behind an answer (the top passage's score)."""
    return answer.passage.score if answer.passage else 0.0


# -- SQuAD ------------------------------------------------------------------------------------

def pick_questions(squad: SquadSet, limit: int | None) -> list[int]:
    """All questions, or the first ``limit`` answerable and impossible ones of each article."""
    if limit is None:
        return list(range(len(squad.questions)))
    taken: dict[tuple[int, bool], int] = {}
    picked = []
    for i, q in enumerate(squad.questions):
        key = (q.doc, q.impossible)
        if taken.get(key, 0) < limit:
            taken[key] = taken.get(key, 0) + 1
            picked.append(i)
    return picked


SYSTEMS = {"bm25": BM25_ONLY, "dense": DENSE_ONLY}


def with_default_bm25(corpus: Corpus) -> Corpus:
    """The same corpus with bm25s's default BM25 (k1 1.5, b 0.75): the untuned baseline."""
    texts = [s.text for s in corpus.sentences]
    return Corpus(
        corpus.documents,
        corpus.sentences,
        corpus.sentence_vectors,
        corpus.params,
        dense=corpus.dense,
        bm25_sentences=build_bm25(texts, k1=1.5, b=0.75),
        bm25_chunks=corpus.bm25_chunks,
    )


def evaluate_squad(
    corpus: Corpus,
    squad: SquadSet,
    vectors: np.ndarray,
    weights: Weights,
    calibration: Calibration,
    questions: Sequence[int] | None = None,
    tokens: Sequence[Tokens | None] | None = None,
    references: References | None = None,
) -> dict:
    """ReQA scores of the engine and both baselines, abstention, and quote lengths.

    ``references``: the English topic model's reference questions; the hubness of an
    article's sentences leaves out those about it and about the question's own article,
    as ``kizuna fit`` does (these articles' questions are among them).

    ``vectors`` are the embedded questions and ``tokens`` their token vectors (None:
    no token matching), aligned with ``squad.questions``;
    ``questions`` picks which of them to use (all when None). The baselines rank with
    the same ``rank`` function and one signal each, so only the weights differ.
    """
    picked = list(range(len(squad.questions))) if questions is None else list(questions)
    # Each system: the corpus it searches and its weights. "bm25" is the engine's own
    # tuned lexical index alone; "bm25-default" is bm25s out of the box.
    plain = with_default_bm25(corpus)
    systems = {"bm25-default": (plain, BM25_ONLY), **{n: (corpus, w) for n, w in SYSTEMS.items()}, "engine": (corpus, weights)}
    scores = {name: {"article": Scores(), "global": Scores()} for name in systems}
    scopes = {d: np.flatnonzero(corpus.doc_ids == d) for d in range(len(corpus.documents))}
    confidence = {"answerable": [], "impossible": [], "off_topic": []}
    verdicts: dict[str, list[str]] = {"answerable": [], "impossible": [], "off_topic": []}
    quoted = []
    hubs: dict[tuple[int, int], np.ndarray | None] = {}

    def hub(searched: int, asked_from: int) -> np.ndarray | None:
        if references is None:
            return None
        if (searched, asked_from) not in hubs:
            titles = {corpus.documents[searched].title, corpus.documents[asked_from].title}
            hubs[searched, asked_from] = scope_hubness(corpus, scopes[searched], references.leaving_out(*titles))
        return hubs[searched, asked_from]

    for i in picked:
        q = squad.questions[i]
        vec = vectors[i : i + 1]
        toks = tokens[i] if tokens is not None else None
        mine = rank(corpus, q.question, vec, scopes[q.doc], weights, calibration, toks, hub(q.doc, q.doc))
        if q.impossible:
            confidence["impossible"].append(mine.confidence)
            verdicts["impossible"].append(mine.verdict)
            continue
        confidence["answerable"].append(mine.confidence)
        verdicts["answerable"].append(mine.verdict)
        # Off topic: the same question with the search held to the next article.
        next_doc = (q.doc + 1) % len(corpus.documents)
        other = rank(corpus, q.question, vec, scopes[next_doc], weights, calibration, toks, hub(next_doc, q.doc))
        confidence["off_topic"].append(other.confidence)
        verdicts["off_topic"].append(other.verdict)
        gold = gold_rows(corpus, q.doc, q.starts)
        _check_offsets(corpus, int(mine.rows[0]))
        quoted.append(int(corpus.ends[mine.rows[0]] - corpus.starts[mine.rows[0]]))
        for name, (searched, w) in systems.items():
            article = mine if name == "engine" else rank(searched, q.question, vec, scopes[q.doc], w, calibration, toks)
            scores[name]["article"].add(position_of(article.rows, gold))
            scores[name]["global"].add(position_of(rank(searched, q.question, vec, None, w, calibration, toks).rows, gold))
    return {
        "questions": len(picked),
        "scores": {name: {scope: s.to_dict() for scope, s in by.items()} for name, by in scores.items()},
        "verdicts": {
            group: {v: _mean([x == v for x in got]) for v in ("answer", "likely", "not_found")}
            for group, got in verdicts.items()
        },
        "quote_chars": _mean(quoted),
        "sentence_chars": float(np.mean(corpus.ends - corpus.starts)) if len(corpus.ends) else math.nan,
        "confidence": confidence,
    }


def _check_offsets(corpus: Corpus, row: int) -> None:
    s = corpus.sentences[row]
    if corpus.documents[s.doc].text[s.start : s.end] != s.text:
        raise AssertionError(f"sentence {row} does not match its offsets")
