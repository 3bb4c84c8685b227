"""The engine's results: small frozen dataclasses the bot and the command line render."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Iterable

_VERDICT_RANK = {"answer": 2, "likely": 1, "not_found": 0}


@dataclass(frozen=True)
class Passage:
    """One verbatim sentence from a document, with where it comes from and its score."""

    quote: str
    document: str  # path relative to the seeds folder, with forward slashes
    title: str
    date: str | None  # ISO date (YYYY-MM-DD) when the document declares one
    paragraph: int  # 1-based paragraph number within the document body
    start: int  # character offsets into the document text: text[start:end] == quote
    end: int
    score: float  # confidence in [0, 1]
    # Which corpus the sentence is from (index.library: "shared" or a server's name);
    # None from an engine used on its own.
    scope: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The engine's reply to one question.

    When ``answered`` is False (verdict not_found) the documents do not cover the
    question: ``passage`` is then the closest sentence found, to be shown as such and
    never as an answer.
    """

    question: str
    answered: bool
    passage: Passage | None  # None only when the index holds no sentence at all
    alternatives: tuple[Passage, ...] = ()
    # Up to two sentences either side of the quote, verbatim, for "show context".
    context_before: str = ""
    context_after: str = ""
    # Character span inside the quote that answers the question (a year for "when"),
    # relative to the quote's start; None when the engine cannot tell.
    highlight: tuple[int, int] | None = None
    confidence: str = "none"  # "high", "medium", "low" or "none", for people
    # "answer": a confident answer; "likely": the best sentence, probably the answer but
    # a loose match (check its context); "not_found": the documents don't cover the
    # question, and ``passage`` is only the closest sentence. ``answered`` is False
    # exactly for not_found.
    verdict: str = ""  # empty: "answer" when answered, else "not_found"
    # The question's language as the engine read it ("en", "tr", "ja", …); a question in
    # another language is ranked with the multilingual encoder when it is on.
    language: str = "en"
    # Whether that encoder ranked the quote: a question in another language, or an
    # English one answered from a document in another language. False for an English
    # question's English documents, and for another language when multilingual answers
    # are off (then the English ranking, which rarely finds it).
    crosslingual: bool = False

    def __post_init__(self) -> None:
        # ``answered`` stays in the JSON contract; the verdict must never contradict it.
        if not self.verdict:
            object.__setattr__(self, "verdict", "answer" if self.answered else "not_found")
        if self.verdict not in ("answer", "likely", "not_found") or self.answered != (self.verdict != "not_found"):
            raise ValueError(f"verdict {self.verdict!r} contradicts answered={self.answered}")

    @property
    def quote(self) -> str:
        return self.passage.quote if self.passage else ""

    @property
    def score(self) -> float:
        return self.passage.score if self.passage else 0.0

    @property
    def scope(self) -> str | None:
        """The corpus the quote comes from, when the answer came through a Library."""
        return self.passage.scope if self.passage else None

    def to_dict(self) -> dict:
        """The stable JSON contract of ``kizuna ask --json``; add fields, never rename."""
        p = self.passage
        return {
            "question": self.question,
            "answered": self.answered,
            "verdict": self.verdict,
            "quote": p.quote if p else None,
            "document": p.document if p else None,
            "title": p.title if p else None,
            "date": p.date if p else None,
            "paragraph": p.paragraph if p else None,
            "start": p.start if p else None,
            "end": p.end if p else None,
            "score": round(p.score, 4) if p else 0.0,
            "confidence": self.confidence,
            "highlight": list(self.highlight) if self.highlight else None,
            "context_before": self.context_before,
            "context_after": self.context_after,
            "alternatives": [
                {
                    "quote": a.quote,
                    "document": a.document,
                    "paragraph": a.paragraph,
                    "start": a.start,
                    "end": a.end,
                    "score": round(a.score, 4),
                    "scope": a.scope,
                }
                for a in self.alternatives
            ],
            "scope": p.scope if p else None,
            "language": self.language,
            "crosslingual": self.crosslingual,
        }


def merge(answers: Iterable[Answer], k: int) -> Answer:
    """The best of several answers to one question (from several scopes, or from the
    English and the multilingual reading), the others' passages as alternatives.

    Best is by verdict (answer > likely > not_found), then score; on a tie the first
    wins (a server's own documents come before the shared ones). One rule comes before
    the verdict: an answer read in the question's own language (MiniLM's, for an English
    one) beats one that e5 read across languages (an English question over documents in
    another language), whatever their verdicts, unless it is not found. MiniLM's
    decision is the better judge of whether a question is answered (off-topic given
    not_found 98.5% cross-validated on SQuAD, against 90% for e5's in other languages),
    and e5's, over a server's Turkish guide, answered "when did relations begin?" with
    "İtirazlar en geç üç gün içinde yanıtlanır." ahead of the shared article's 1924
    sentence. A Turkish question's answers are all e5's, so for it the rule is silent.
    """
    answers = list(answers)
    with_passage = [a for a in answers if a.passage is not None] or answers
    best = max(with_passage, key=lambda a: (a.answered and not a.crosslingual, _VERDICT_RANK.get(a.verdict, 0), a.score))
    if len(answers) == 1:
        return best
    others = [p for a in with_passage for p in ((a.passage,) if a is not best else ()) + a.alternatives if p]
    others.sort(key=lambda p: -p.score)
    seen = {best.quote}
    alternatives = []
    for p in others:
        if len(alternatives) == k:
            break
        if p.quote not in seen:
            seen.add(p.quote)
            alternatives.append(p)
    return replace(best, alternatives=tuple(alternatives))


@dataclass(frozen=True)
class DocumentInfo:
    """What /sources and `kizuna index` show about one indexed document."""

    path: str
    title: str
    date: str | None
    sentences: int
    paragraphs: int
    scope: str | None = None  # the corpus it belongs to, as for Passage


@dataclass(frozen=True)
class BuildReport:
    """What a build or rebuild did, for `kizuna index` and /reindex."""

    documents: int
    sentences: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reembedded: int = 0  # documents whose vectors were computed anew
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    rebuilt: bool = True  # False when the index on disk was already up to date
