"""Ranking and deciding for a question in another language, over English sentences.

MiniLM's signals (token matching, BM25 on English stems, the English answer-kind
patterns) say nothing about "İlişkiler ne zaman başladı?". These signals do:

- ``cosine``: multilingual-e5's question vector against each sentence's.
- ``kind``: whether the sentence holds what the question asks for, the question's kind
  read from its own language's question words ("ne zaman", "いつ": a time).
- ``names``: the question's words in Latin letters or digits that the sentence shares
  ("Hayashi", "2025"), accents folded, counted only among words the searched documents
  use, so that the question's own Turkish words weigh nothing.
- ``length``: the sentence's length: a heading such as "ANKARA (Turkey)" is close to
  many short questions while answering none.
- ``centrality``: the sentence's cosine to the centre of the sentences searched, counted
  against it. e5 puts a few sentences near almost every question (hubs, a known trait of
  cross-lingual vector spaces), whatever is asked. A sentence close to all the others is
  close to every question for the same reason, so its cosine says less. Whether, and how
  much, is fitted: cross-validated P@1 0.641 -> 0.669 (``kizuna fit --crosslingual-only``).
- ``hub``: the sentence's mean cosine to its ``reference_questions.HUB_NEIGHBOURS``
  nearest questions among the training questions (about other articles), counted
  against it: the question side
  of the same trait, as cross-domain similarity local scaling (CSLS; Conneau et al.,
  2018) counts it. A sentence near many questions about anything is near this one for
  the same reason. The questions' vectors ship in ``reference_questions.npz``, written
  by ``kizuna fit`` with the encoder's name; under another encoder the signal is off.
  Fitted with the rest: cross-validated P@1 0.672 -> 0.700, and the fit then chose more
  ``centrality`` too (0.1 -> 0.3): the two sides of the same correction.
- ``glosses``: for a Japanese or Turkish question, the share of its words that the
  sentence holds an English gloss of (JMdict's, ``index/japanese.py``: 協力 "cooperation";
  FreeDict's read backwards, ``index/turkish_glosses.py``: işbirliği "cooperate"), each
  word weighed by its rarity among the candidates. 0 for other languages, and for
  Japanese without ``jamdict-data``. Turkish's: cross-validated P@1 of the Turkish
  training questions 0.725 -> 0.787, all 0.744 -> 0.775 (``bench/glosses.py``).

They are fused as English's are (each scaled to [0, 1] over the candidates, weighted),
and two logistic models decide, as for English: is the question about the searched
documents (``CrossTopic``), and does the best sentence answer it (``CrossMatch``).
Every number comes from ``fitted.json``'s ``crosslingual`` part, fitted by ``kizuna
fit`` on Turkish and Japanese training questions about eight SQuAD articles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from . import japanese, turkish_glosses
from .answer_types import Kind, question_kind
from .candidates import nearest
from .corpus import Corpus
from .fitted import fitted
from .language import ENGLISH, SMALL_WORDS, language_of, word_count
from .lexical import fold, stems
from .ranking import NOT_FOUND, Calibration, Logistic, Ranking, _scale
from .reference_questions import References, hubness
from .turkish import restore_letters

_FULL_SCAN = 4096  # below this many sentences in scope, score them all exactly
_POOL = 256
_SPREAD_TOP = 10  # how many of the best cosines "stands out" is measured against
# Fewer words than this cannot answer a question: a dateline ("ANKARA (Turkey)"), a
# heading, "[citation needed]". e5 puts short texts near every short question (a Japanese
# question about Tokyo's weather came closest to "ANKARA (Turkey)"), so they are left
# out of the candidates, and of the topic evidence, for questions in other languages.
# English ranking's token matching has no such bias and keeps them.
MIN_WORDS = 4
_LANGUAGE_SAMPLE = 20  # sentences per document read for its language

# Question words per language and the kind of answer they ask for; checked in order,
# so "hangi yıl" (which year) is a time before "hangi" alone could be anything.
_KIND_WORDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.TIME, re.compile(
        r"\bne zaman\b|\bhangi (?:yıl|yil|tarih|gün|gun|ay)\w*|\bkaç yılında\b|\bkac yilinda\b|\bwann\b|\bcuándo\b|\bcuando\b|\bquand\b"
        r"|いつ|何年|何月|何日|何曜日|何時代|何世紀", re.IGNORECASE)),
    (Kind.QUANTITY, re.compile(
        r"\bkaç\w*|\bkac\b|\bne kadar\b|\bwie viele?\b|\bcuántos?\b|\bcuántas?\b|\bcombien\b"
        r"|何分|何人|何回|何個|何時間|何パーセント|いくつ|どのくらい|どれくらい", re.IGNORECASE)),
    (Kind.PERSON, re.compile(r"\bkim\w*|\bwer\b|\bquién\b|\bquien\b|\bqui\b|誰|だれ|どなた", re.IGNORECASE)),
    (Kind.PLACE, re.compile(
        r"\bnere\w*|\bhangi (?:şehir|sehir|ülke|ulke|kent)\w*|\bwo\b|\bdónde\b|\bdonde\b|\boù\b"
        r"|どこ|どの国|どの都市|どの町", re.IGNORECASE)),
)
_LETTERS = re.compile(r"[^\W\d_]+")
# Katakana, Latin letters or digits that JMdict did not gloss: a name, something to ask about.
_NAME_MARKS = re.compile(r"[\u30a1-\u30fa0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_NAME = re.compile(r"[0-9]+|[a-z]{3,}")  # after folding and lowercasing: Latin words and numbers


def reading(question: str, language: str) -> str:
    """The question as e5 and the question-word patterns are given it: Turkish typed
    without its letters gets them back ("iliskiler ne zaman basladi" -> "ilişkiler ne
    zaman başladı"); on the training questions folded to ASCII, P@1 goes from 0.562 to
    0.662 against 0.613 as written (``bench/turkish_letters.py``)."""
    return restore_letters(question) if language == "tr" else question


def crosslingual_kind(question: str, language: str | None = None) -> Kind:
    """The kind of answer a question asks for, read from its own language's question
    words; OTHER when unclear. An English one's (asked of documents in another
    language) are read as the English ranking reads them, and when it has none the
    other languages' are tried, as for a Turkish question typed without its letters,
    which reads as English ("marco polo nereliydi").

    ``language``: the question's ``language_of``, when the caller has it already."""
    if (language or language_of(question)) == ENGLISH and (english := question_kind(question)) is not Kind.OTHER:
        return english
    for kind, pattern in _KIND_WORDS:
        if pattern.search(question):
            return kind
    return Kind.OTHER


def name_words(text: str) -> frozenset[str]:
    return frozenset(_NAME.findall(fold(text)))


@dataclass(frozen=True)
class CrossWeights:
    cosine: float
    kind: float
    names: float
    length: float = 0.0
    centrality: float = 0.0  # subtracted: see the module's docstring
    hub: float = 0.0  # subtracted too
    glosses: float = 0.0

    @classmethod
    @lru_cache(maxsize=1)
    def shipped(cls) -> "CrossWeights":
        return cls(**fitted()["crosslingual"]["weights"])

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def vector(self) -> np.ndarray:
        """The weights in ``signal_matrix``'s column order."""
        return np.array([getattr(self, f.name) for f in fields(self)], np.float64)


@dataclass(frozen=True)
class CrossMatch:
    """Facts about the best sentence: does it answer?"""

    cosine: float  # its cosine to the question
    margin: float  # its fused score minus the runner-up's
    kind_mismatch: float  # 1 when a time or quantity question's sentence holds none
    names: float  # share of the question's known Latin words and numbers it holds

    NAMES = ("cosine", "margin", "kind_mismatch", "names")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in self.NAMES], np.float64)


@dataclass(frozen=True)
class CrossTopic:
    """Facts about the whole scope: is the question about these documents?"""

    best_cosine: float  # the highest cosine anywhere in scope
    spread: float  # the highest minus the mean of the best ``_SPREAD_TOP``: does one stand out?
    known_names: float  # share of the question's Latin words and numbers the documents use (0 when it has none)
    # The highest minus the mean over the whole scope: e5 puts every question fairly near
    # every sentence, and how near differs by question; this is the question's own scale.
    relative: float = 0.0
    # ``relative`` once each sentence's centrality is taken off its cosine. A question
    # about the documents comes closest to sentences near their centre, on their subject;
    # one about anything else lands on a sentence at the edge. Fitted: cross-validated,
    # off-topic given not_found 0.864 -> 0.884 (``kizuna fit --crosslingual-only``).
    discounted: float = 0.0
    # ``relative`` once each sentence's ``answerable_hub`` is taken off its cosine: a
    # question about nothing here comes closest to a sentence near questions about
    # anything. Fitted: cross-validated with 95% kept, off-topic given not_found 0.870 ->
    # 0.932 for right and not refused 0.666 -> 0.656; the share kept then became 97%.
    hub_discounted: float = 0.0
    # The share of a Japanese or (since session 15) Turkish question's dictionary words
    # that some sentence searched holds a gloss of (0 for other questions, as
    # ``known_names`` is 0 for a question without names): "在日トルコ大使" asks of an
    # ambassador no sentence names. Fitted (session 13, Japanese): cross-validated, right
    # and not refused 0.709 -> 0.716, off-topic given not_found 0.887 -> 0.897; as a bare
    # "has Japanese words" flag instead, 0.716 and 0.884 (``kizuna fit``). The best
    # sentence's share beside it, with Turkish glosses too: 0.900 -> 0.898 (session 15).
    known_glosses: float = 0.0
    # The log of how many sentences the question was searched over. The more there are,
    # the nearer the nearest comes by chance, and the more words the documents use: the
    # other features mean less the larger the corpus. The fit's scopes are 15 sentences
    # and whole articles; with this, a corpus of many articles reads as larger than
    # either. Fitted: cross-validated, off-topic given not_found 0.900 -> 0.912 for right
    # and not refused 0.753 -> 0.750; over the 16 SQuAD articles as one corpus (3,592
    # sentences), off-topic given not_found of the training questions 0.250 -> 0.483
    # (``bench/pool_size.py``).
    searched: float = 0.0

    NAMES = ("best_cosine", "spread", "known_names", "relative", "discounted", "hub_discounted", "known_glosses", "searched")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in self.NAMES], np.float64)


@lru_cache(maxsize=1)
def shipped_calibration() -> Calibration:
    """English's two-model decision, with the models and thresholds fitted for other languages."""
    part = fitted()["crosslingual"]
    return Calibration(
        Logistic.from_dict(part["match"], CrossMatch.NAMES),
        Logistic.from_dict(part["topic"], CrossTopic.NAMES),
        float(part["thresholds"]["answer"]),
        float(part["thresholds"]["on_topic"]),
    )


@dataclass(frozen=True)
class CrossCandidates:
    rows: np.ndarray
    cosine: np.ndarray
    kind: np.ndarray  # 0/1
    names: np.ndarray  # share of the question's known name words in each sentence
    length: np.ndarray  # log of each sentence's length in characters
    centrality: np.ndarray  # each sentence's cosine to the mean of the candidates' vectors
    hub: np.ndarray  # each sentence's mean cosine to its nearest reference questions
    answerable_hub: np.ndarray  # the same, among the answerable reference questions only
    glosses: np.ndarray  # share of a Japanese or Turkish question's dictionary words each sentence holds a gloss of
    known_glosses: float  # share of them any candidate holds a gloss of (0 for other questions)
    known: float  # share of the question's name words the scope uses at all
    has_names: bool  # whether the question has any name word the scope uses
    searched: int  # how many quotable sentences the scope holds: all of them, when only the nearest are candidates


def candidates(corpus: Corpus, question: str, q_vec: np.ndarray, scope: np.ndarray | None, kind: Kind,
               references: References | None = None,
               words: tuple[frozenset[str], ...] | None = None, rows: np.ndarray | None = None) -> CrossCandidates:
    """Every sentence in scope, or past ``_FULL_SCAN`` the best by cosine, with their signals.

    ``references``: the reference questions for ``hub`` (none: the signal is 0).
    ``words``: the question's ``gloss_words``, when the caller has them already.
    ``rows``: these of the scope's sentences instead (``_among_nearest``'s).
    """
    q = q_vec.reshape(-1)
    rows = _searched(corpus, q, scope) if rows is None else rows
    quotable = _quotable(corpus)
    searched = int(quotable.sum() if scope is None else quotable[scope].sum())
    rows = rows[quotable[rows]] if len(rows) else rows
    if not len(rows):
        # Nothing but short lines and headings in scope: its short lines rather than
        # nothing, and its headings only when there is nothing else, as the English
        # ranking keeps them (a heading is then the closest passage, never an answer).
        everything = scope if scope is not None else np.arange(len(corpus.sentences))
        no_heading = everything[~corpus.headings[everything]]
        rows = no_heading if len(no_heading) else everything
        searched = len(rows)
    vectors = corpus.multilingual[rows]
    cosine = vectors @ q
    centrality = vectors @ vectors.mean(axis=0) if len(rows) else np.zeros(0, np.float32)
    kind_bits = ((corpus.kinds[rows] >> int(kind)) & 1).astype(np.float32) if kind else np.zeros(len(rows), np.float32)
    asked = name_words(question)
    vocabulary = corpus.vocabulary_for(scope)
    known = {w for w in asked if w in vocabulary.words}  # exactly: a near spelling would never match a sentence
    if known:
        names = np.array([len(known & _sentence_names(corpus.sentences[r].text)) / len(known) for r in rows], np.float32)
    else:
        names = np.zeros(len(rows), np.float32)
    share = len(known) / len(asked) if asked else 0.0
    return CrossCandidates(rows, cosine.astype(np.float32), kind_bits, names, corpus.log_lengths[rows],
                           centrality.astype(np.float32), hubness(vectors, references.questions if references else None),
                           hubness(vectors, references.answerable if references else None),
                           *_glosses(gloss_words(question) if words is None else words, corpus, rows), share, bool(known),
                           searched)


def _searched(corpus: Corpus, q: np.ndarray, scope: np.ndarray | None) -> np.ndarray:
    """The rows of the scope (all when None), or past ``_FULL_SCAN`` of them its nearest ``_POOL``."""
    if scope is None and len(corpus.sentences) <= _FULL_SCAN:
        return np.arange(len(corpus.sentences))
    if scope is None:
        return nearest(corpus.dense_multilingual, corpus.coarse_multilingual, q.reshape(1, -1), min(_POOL, len(corpus.sentences)))
    if len(scope) <= _FULL_SCAN:
        return scope
    # A scope that large is most often the documents in another language that an
    # English question is read over, and scoring each of its sentences (glosses and
    # names read one by one) grows with it: 30 ms a question at 3,592 sentences.
    nearest_first = np.argsort(-(corpus.multilingual @ q)[scope], kind="stable")
    return np.sort(scope[nearest_first[:_POOL]])


def asks_for_something(question: str, language: str, words: tuple[frozenset[str], ...] | None = None) -> bool:
    """Whether the question has a word beyond the small ones: "nedir?", "und", "いつ？" ask
    for nothing, and e5 puts them near some sentence all the same (the English path's
    topic model declines "what is it" by its own evidence).

    Words in Latin script are checked against every language's small words
    (``language.SMALL_WORDS``); Japanese by JMdict, which leaves out particles and
    pronouns, when it is installed. Other scripts are given the benefit of the doubt.
    ``words``: the question's ``gloss_words``, when the caller has them already."""
    if gloss_words(question, language) if words is None else words:
        return True
    if language == "ja":
        return japanese.glossary() is None or bool(_NAME_MARKS.search(question))
    words = _LETTERS.findall(question.replace("İ", "i").lower())
    return not words or any(w not in SMALL_WORDS and w not in turkish_glosses.NO_TOPIC for w in words)


def gloss_words(question: str, language: str | None = None) -> tuple[frozenset[str], ...]:
    """Each content word of a Japanese or Turkish question as its English glosses' stems; () for others.

    ``language``: the question's ``language_of``, when the caller has it already."""
    if japanese_words := japanese.gloss_words(question):
        return japanese_words
    return turkish_glosses.gloss_words(question) if (language or language_of(question)) == "tr" else ()


def _glosses(words: tuple[frozenset[str], ...], corpus: Corpus, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """(candidates,) the share of ``words`` (each a set of gloss stems) each sentence holds one of,
    each word weighed by its rarity among the candidates, and the share of them (unweighted)
    any candidate holds.

    Of the candidates, as every topic feature is: all the sentences searched up to
    ``_FULL_SCAN``, the nearest ``_POOL`` past it. The documents' vocabulary instead
    (``known_names``' source) read whole articles where the fit's small scopes hold 15
    sentences of one, and cross-validated worse: off-topic given not_found 0.890 against
    0.897, in a scratch run."""
    if not words or not len(rows):
        return np.zeros(len(rows), np.float32), 0.0
    held = np.array([[bool(w & _sentence_stems(corpus.sentences[r].text)) for w in words] for r in rows], bool)
    # Rarer words weigh more, as token matching weighs rarer tokens: a word most candidates
    # gloss ("country", asked of two countries' relations) says little about which answers.
    # BM25's inverse document frequency over the candidates. Cross-validated P@1 0.738 ->
    # 0.744, Japanese 0.750 -> 0.762 (``bench/glosses.py``).
    rarity = np.log((len(rows) + 1.0) / (held.sum(axis=0) + 1.0)) + 1.0
    return (held @ rarity / rarity.sum()).astype(np.float32), float(held.any(axis=0).mean())


def foreign_sentences(corpus: Corpus) -> np.ndarray:
    """(sentences,) bool: in a document written in another language than English.

    MiniLM reads English only, so an English question is ranked over these with e5, as
    a question in another language is ranked over English ones ("when do tournaments
    start?" over a Turkish server's rules). A document's language is its sentences'
    (``language_of``), most of the first ``_LANGUAGE_SAMPLE`` deciding, so that a
    name or a quoted phrase in another language leaves an English document English;
    computed once per corpus.
    """
    mask = corpus.derived.get("foreign")
    if mask is None:
        votes: dict[int, list[bool]] = {}
        for s in corpus.sentences:
            sample = votes.setdefault(s.doc, [])
            if len(sample) < _LANGUAGE_SAMPLE:
                sample.append(language_of(s.text) != ENGLISH)
        foreign = {doc for doc, sample in votes.items() if 2 * sum(sample) > len(sample)}
        mask = corpus.derived["foreign"] = np.isin(corpus.doc_ids, list(foreign))
    return mask


def _long_enough(corpus: Corpus) -> np.ndarray:
    """(sentences,) bool: has at least ``MIN_WORDS`` words, a table's row counting its
    header's ("| Chess | Sunday | Nitro |" under "| Game | Day | Prize |": the row is read
    with it, ``Corpus.before``); computed once per corpus."""
    mask = corpus.derived.get("long_enough")
    if mask is None:
        words = np.fromiter((word_count(s.text) for s in corpus.sentences), np.int64, len(corpus.sentences))
        header = corpus.before
        in_table = np.array(["|" in s.text for s in corpus.sentences], bool) & (header >= 0)
        in_table[in_table] &= corpus.headings[header[in_table]]
        words[in_table] += words[header[in_table]]
        mask = corpus.derived["long_enough"] = words >= MIN_WORDS
    return mask


def _quotable(corpus: Corpus) -> np.ndarray:
    """(sentences,) bool: long enough and not a heading, what a question is ranked over; computed once per corpus."""
    mask = corpus.derived.get("quotable")
    if mask is None:
        mask = corpus.derived["quotable"] = _long_enough(corpus) & ~corpus.headings
    return mask


@lru_cache(maxsize=65536)
def _sentence_names(sentence: str) -> frozenset[str]:
    return name_words(sentence)


@lru_cache(maxsize=16384)
def _sentence_stems(sentence: str) -> frozenset[str]:
    return stems(sentence)  # cached: a scope's sentences are stemmed once, not per question


def signal_matrix(found: CrossCandidates) -> np.ndarray:
    """(candidates, signals): each signal scaled to [0, 1] over the candidates, in
    ``CrossWeights``' order, those counted against a sentence negated."""
    return np.stack([
        _scale(found.cosine), found.kind, _scale(found.names), _scale(found.length),
        -_scale(found.centrality), -_scale(found.hub), _scale(found.glosses),
    ], axis=1).astype(np.float64)


def fused_scores(found: CrossCandidates, weights: CrossWeights) -> np.ndarray:
    return signal_matrix(found) @ weights.vector()


def evidence(found: CrossCandidates, fused: np.ndarray, kind: Kind) -> tuple[CrossMatch, CrossTopic, np.ndarray]:
    """The best sentence's match evidence, the topic evidence over ``found`` and the order, best first."""
    match, order = match_evidence(found, fused, kind)
    return match, topic_evidence(found), order


def match_evidence(found: CrossCandidates, fused: np.ndarray, kind: Kind) -> tuple[CrossMatch, np.ndarray]:
    """Facts about the best sentence by ``fused``, and the candidates' order, best first."""
    order = np.argsort(-fused, kind="stable")
    best = int(order[0])
    match = CrossMatch(
        cosine=float(found.cosine[best]),
        margin=float(fused[best] - fused[order[1]]) if len(order) > 1 else 1.0,
        kind_mismatch=float(kind in (Kind.TIME, Kind.QUANTITY) and not found.kind[best]),
        names=float(found.names[best]),
    )
    return match, order


def topic_evidence(found: CrossCandidates) -> CrossTopic:
    """Whether the question is about the sentences found: read over all of them, whatever ranks first."""
    top = np.sort(found.cosine)[::-1][:_SPREAD_TOP]
    discounted = found.cosine - found.centrality
    hub_discounted = found.cosine - found.answerable_hub
    return CrossTopic(
        best_cosine=float(top[0]),
        spread=float(top[0] - top.mean()),
        known_names=found.known,
        relative=float(top[0] - found.cosine.mean()),
        discounted=float(discounted.max() - discounted.mean()),
        hub_discounted=float(hub_discounted.max() - hub_discounted.mean()),
        known_glosses=found.known_glosses,
        searched=float(np.log(max(found.searched, 1))),
    )


def rank_crosslingual(
    corpus: Corpus,
    question: str,
    q_vec: np.ndarray,
    scope: np.ndarray | None = None,
    weights: CrossWeights | None = None,
    calibration: Calibration | None = None,
    references: References | None = None,
) -> Ranking:
    """Score the sentences for a question in another language, best first, and decide."""
    weights = weights or CrossWeights.shipped()
    calibration = calibration or shipped_calibration()
    language = language_of(question)
    kind = crosslingual_kind(question, language)
    words = gloss_words(question, language)  # once: the ranking and the small-words check both read them
    found = candidates(corpus, question, q_vec, scope, kind, references, words)
    ranked = _among_nearest(corpus, question, q_vec, scope, kind, references, words, found)
    fused = fused_scores(ranked, weights)
    match, order = match_evidence(ranked, fused, kind)
    topic = topic_evidence(found)  # over every sentence found, as fitted, whichever are ranked
    confidence = calibration.match.probability(match.vector())
    on_topic = calibration.topic.probability(topic.vector())
    verdict = calibration.verdict(confidence, on_topic)
    if not asks_for_something(question, language, words) or corpus.headings[ranked.rows[order[0]]]:
        verdict = NOT_FOUND  # a heading (all there is in scope) names a subject and answers nothing
    return Ranking(ranked.rows[order], fused[order].astype(np.float32), confidence, kind, None, on_topic, None, verdict)


def _among_nearest(corpus: Corpus, question: str, q_vec: np.ndarray, scope: np.ndarray | None, kind: Kind,
                   references: References | None, words: tuple[frozenset[str], ...], found: CrossCandidates) -> CrossCandidates:
    """The candidates to rank a question over the whole corpus among: its ``_POOL`` nearest
    by cosine, with their signals, when ``found`` (every sentence, up to ``_FULL_SCAN``) is more.

    The weights were fitted on scopes of one article (225 sentences on average) and
    windows of 15; several signals are read against the candidates (each scaled over
    them, ``centrality`` to their mean, ``glosses`` weighed by rarity among them), and
    over a few thousand sentences of many subjects they rank worse. Over the 16 SQuAD
    articles as one corpus (3,592 sentences), P@1 of the Turkish and Japanese training
    questions is 0.619 over all of them and 0.650 among the nearest 256, the number a
    corpus past ``_FULL_SCAN`` already had. The topic evidence stays read over every
    sentence, as fitted: off-topic given not_found there was 0.250 either way, against
    0.083 read over the 256 alone (``bench/pool_size.py``). A scope that is given
    (a document, a server's own documents) is ranked whole up to ``_FULL_SCAN``, as the
    fit's articles were.
    """
    if scope is not None or len(found.rows) <= _POOL:
        return found
    nearest_rows = found.rows[np.argsort(-found.cosine, kind="stable")[:_POOL]]
    return candidates(corpus, question, q_vec, None, kind, references, words, np.sort(nearest_rows))
