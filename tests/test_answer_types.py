"""What a question asks for, and whether a sentence offers it without repeating the question."""
from __future__ import annotations

from index.answer_types import Kind, highlight, offers_new, question_kind, sentence_kinds
from index.lexical import stems

EXPO = (
    "Hayashi also thanked Turkiye for its support, as well as Turkiye’s announcement that it will "
    "participate in Expo 2025, which will be held from May to November."
)
OSAKA = "The year is 2025, and the city of Osaka is the setting."


def test_question_kinds() -> None:
    assert question_kind("when did relations begin?") is Kind.TIME
    assert question_kind("how many minutes was the call") is Kind.QUANTITY
    assert question_kind("who congratulated hayashi") is Kind.PERSON
    assert question_kind("which city hosts the expo") is Kind.PLACE
    assert question_kind("what did they discuss") is Kind.OTHER


def test_months_are_times_not_places() -> None:
    kinds = sentence_kinds("The fair runs from May to November.")
    assert kinds & (1 << Kind.TIME)
    assert not kinds & (1 << Kind.PLACE)
    assert sentence_kinds("The fair moves to Osaka.") & (1 << Kind.PLACE)
    assert not sentence_kinds("They may meet again.") & (1 << Kind.TIME)  # the verb, not the month


def test_turkish_and_japanese_sentences_hold_times_and_counts_too() -> None:
    # Documents may be written in Turkish or Japanese; "\\b" finds no break between a kana
    # and a digit, so "2020年" and "24時間" needed their own patterns.
    time, quantity = 1 << Kind.TIME, 1 << Kind.QUANTITY
    assert sentence_kinds("Valorant turnuvaları her cumartesi saat 21:00'de başlar.") & time
    assert sentence_kinds("Moderatörler her yıl ocak ayında seçilir.") & time
    assert sentence_kinds("Seçim Ocak'ta yapılır.") & time
    assert sentence_kinds("星空ゲーマーズは2020年に作られました。") & time
    assert sentence_kinds("大会は毎週金曜日の夜9時に始まります。") & time
    assert sentence_kinds("オフ会の参加費は2,000円です。") == quantity
    assert sentence_kinds("スパムをしたメンバーは24時間ミュートされます。") == quantity  # a duration, not a time of day
    assert not sentence_kinds("Martin was a martyr of the market.") & time  # "mart" only as a word
    assert not sentence_kinds("ルールを守ってください。")
    for quote, span in (("将棋の夜は毎月第一月曜日に開かれます。", "毎月第一月曜日"), ("選挙は毎年4月です。", "毎年4月"),
                        ("万博は2025年4月13日に始まる。", "2025年4月13日")):
        at = highlight(Kind.TIME, quote)
        assert at and quote[at[0]:at[1]] == span


def test_names_and_places_in_accented_latin_letters_are_found() -> None:
    person, place = 1 << Kind.PERSON, 1 << Kind.PLACE
    assert sentence_kinds("Sunucu 2019 yılında Elif Yılmaz tarafından kuruldu.") & person
    assert sentence_kinds("Famous musicians include Władysław Szpilman and Frédéric Chopin.") & person
    assert sentence_kinds("The summit was held in İzmir.") & place
    assert sentence_kinds("They later moved to Ürümqi.") & place
    assert not sentence_kinds("Elif yılmaz değildir.") & person  # one capitalised word is no name
    assert not sentence_kinds("Şimdi herkes çok mutlu.") & person


def test_a_sentence_offers_only_what_the_question_does_not_already_say() -> None:
    asked = stems("where is expo 2025")
    assert not offers_new(Kind.PLACE, EXPO, asked)  # its only place is "in Expo", the one asked about
    assert offers_new(Kind.PLACE, OSAKA, asked)
    assert not offers_new(Kind.TIME, OSAKA, stems("when is expo 2025"))
    assert offers_new(Kind.TIME, EXPO, stems("when is expo 2025"))  # "from May"
    assert offers_new(Kind.QUANTITY, "It lasted about 25 minutes.", stems("how many minutes did it last"))
    assert not offers_new(Kind.OTHER, EXPO, asked)


def test_highlight_prefers_the_part_the_question_does_not_say() -> None:
    start, end = highlight(Kind.TIME, EXPO, stems("when will expo 2025 be held"))
    assert EXPO[start:end] == "from May"
    start, end = highlight(Kind.TIME, EXPO)
    assert EXPO[start:end] == "2025"  # without the question, the first date
    assert highlight(Kind.TIME, OSAKA, stems("when is expo 2025")) is not None  # nothing new: still the date
    assert highlight(Kind.PERSON, EXPO) is None
