"""Writes index/turkish_english.tsv: Turkish words and the English words they translate, from FreeDict.

Run:  apt-get download dict-freedict-eng-tur && dpkg-deb -x dict-freedict-eng-tur_*.deb fd
      .venv/bin/python bench/turkish_glossary.py fd/usr/share/dictd/freedict-eng-tur.dict.dz

Japanese questions are ranked with JMdict's English glosses (``index/japanese.py``);
no Turkish-English dictionary ships on PyPI. FreeDict's English-Turkish dictionary
(GPL-2.0-or-later, 36,589 English headwords; Debian's ``dict-freedict-eng-tur``) read
backwards gives one: each sense's definition, up to its first full stop (what follows
are examples), is cut at its commas into Turkish equivalents, and each one-word
equivalent points back to the headword ("büyükelçi, sefir" under "ambassador").
A verb is kept as its stem, the form its conjugations start with ("fırlatmak" as
"fırlat", so "fırlattı" finds it), and "tebrik etmek" as "tebrik". Each Turkish word
keeps the headwords it comes first for, six at most. These rules were set before the
first measurement and not tuned.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "index" / "turkish_english.tsv"
PER_WORD = 6  # English headwords kept per Turkish word
_HEADWORD = re.compile(r"^([^\s/0-9][^/]*?)\s+/[^/]*/\s*$")  # "ambassador /ɐmbˈasədə/"
_SENSE = re.compile(r"^(\d+)\.\s+(.*)$")  # "1. büyükelçi, sefir"
_TURKISH_WORD = re.compile(r"[a-zçğıöşüâîû]+")
# Light verbs: "tebrik etmek" (to congratulate) is the noun's meaning, made a verb.
_LIGHT_VERBS = frozenset("etmek eylemek olmak yapmak edilmek kılmak vermek getirmek".split())
HEADER = """\
# Turkish word (a verb as its stem) <TAB> the English headwords it translates, best first.
# Derived from the FreeDict English-Turkish dictionary, edition 0.3 (Debian package
# dict-freedict-eng-tur 2022.04.21), copyright (C) 1999-2017 by its authors, FreeDict
# contributors: GNU General Public License version 2 or later. This file is under the
# same licence. Written by bench/turkish_glossary.py; do not edit by hand.
"""


def equivalents(path: Path) -> dict[str, list[str]]:
    """Each Turkish word and the English headwords whose definitions give it, best first."""
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    headword = None
    with gzip.open(path, "rt", encoding="utf-8") as lines:  # dictzip is gzip to any reader
        for line in lines:
            if m := _HEADWORD.match(line):
                headword = m.group(1).strip().lower()
            elif headword and (m := _SENSE.match(line)):
                sense, body = int(m.group(1)), re.sub(r"\([^)]*\)", " ", m.group(2))
                definition = re.split(r"\.(?:\s|$)", body, maxsplit=1)[0]
                for place, phrase in enumerate(re.split(r"[,;:]", definition)):
                    word = _one_word(phrase)
                    if word:
                        found[word].append((sense, place, headword))
    table = {}
    for word, heads in found.items():
        kept: list[str] = []
        for _, _, head in sorted(heads):
            if head not in kept:
                kept.append(head)
        table[word] = kept[:PER_WORD]
    return table


def _one_word(phrase: str) -> str | None:
    words = phrase.strip().lower().split()
    if len(words) == 2 and words[1] in _LIGHT_VERBS:
        words = words[:1]
    if len(words) != 1:
        return None
    word = words[0].strip("'\"-!?")
    if len(word) < 2 or not _TURKISH_WORD.fullmatch(word):
        return None
    if word.endswith(("mak", "mek")) and len(word) > 5:  # a verb: its stem
        word = word[:-3]
    return word


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dictionary", type=Path, help="freedict-eng-tur.dict.dz")
    args = parser.parse_args()
    table = equivalents(args.dictionary)
    body = "".join(f"{word}\t{'|'.join(heads)}\n" for word, heads in sorted(table.items()))
    OUT.write_text(HEADER + body, encoding="utf-8")
    print(f"{len(table)} Turkish words written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
