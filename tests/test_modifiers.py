"""The same noun with another owner: the near miss that shares every word with the sentence."""
from __future__ import annotations

from index.modifiers import modifier_conflict, proper_words

MISSION = "Diplomatic relations began in 1924, and the first Turkish mission in Japan was established in 1925."
CORPUS = [
    MISSION,
    "Through video teleconferencing, the Turkish and Japanese foreign ministers discussed bilateral relations.",
    "The European Union law is applied by the courts of member states.",
    "Several prominent figures were of French Huguenot ancestry.",
    "William invaded Scotland in 1072.",
    "In 1564 a group of Norman Huguenots established a settlement in Florida.",
]
PROPER = proper_words(CORPUS)


def test_proper_words_are_the_ones_written_capitalised_mid_sentence() -> None:
    assert {"turkish", "japan", "japanese", "european", "union", "french", "scotland"} <= PROPER
    assert "diplomatic" not in PROPER  # capitalised only as the first word
    assert "mission" not in PROPER


def test_a_swapped_owner_is_a_conflict() -> None:
    found = modifier_conflict("when was the first japanese mission in turkey established", MISSION, PROPER)
    assert found == ("japanese", "mission", "Turkish")
    assert modifier_conflict("What is the Japanese mission's address?", MISSION, PROPER) is not None


def test_the_same_owner_in_other_words_is_not() -> None:
    assert modifier_conflict("when was the first turkish mission in japan established", MISSION, PROPER) is None
    assert modifier_conflict("when did the turkey missions open", MISSION, PROPER) is None  # Turkey/Turkish, plural
    ministers = CORPUS[1]
    assert modifier_conflict("what did the japan foreign ministers discuss", ministers, PROPER) is None


def test_verbs_names_and_common_modifiers_are_left_alone() -> None:
    assert modifier_conflict("what was the Florida Huguenot colony", CORPUS[5], PROPER) is None  # a name, not a noun
    assert modifier_conflict("when was the first diplomatic mission established", MISSION, PROPER) is None
    assert modifier_conflict("", MISSION, PROPER) is None
