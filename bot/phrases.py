"""The words a reply is framed with, in the question's language.

The quote is always the document's own sentence, in the document's language; what
surrounds it (the verdict, the confidence, where the quote is from, the buttons) is said
in the language the question was asked in, as is the reply to a greeting or thanks, for the two languages besides English that
the engine is fitted and measured on: a member who asks "İlişkiler ne zaman başladı?"
reads "Yüksek güven", not "High confidence". Any other language gets English, as the
engine has no measured answers to vouch for there.
"""
from __future__ import annotations

# The engine's confidence words ("high"…), each with a "confidence.<word>" and a "level.<word>" phrase.
CONFIDENCE_LEVELS = ("high", "medium", "low", "none")

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "hello": "Hello!",
        "welcome.title": "You're welcome",
        "welcome.text": "Ask me anything else about the documents, or `/help` for examples.",
        "welcome.chat": "You're welcome. Ask me anything else about the documents.",
        "question": "Q: ",
        "likely": "Probably this, though the match is loose: check the context.",
        "confidence.high": "High confidence: the sentence matches the question closely.",
        "confidence.medium": "Medium confidence: the sentence is related; check the context.",
        "confidence.low": "Low confidence: a loose match; Show context tells whether it answers.",
        "confidence.none": "No confidence: nothing in the documents matches.",
        "level.high": "high", "level.medium": "medium", "level.low": "low", "level.none": "none",
        "not_found.title": "Not in the documents: ",
        "not_found.text": "The indexed documents don't seem to cover this question, so there is no answer to quote.",
        "not_found.closest": "Closest I found #{n} (not an answer)",
        "not_found.footer": "Try rephrasing, or use /sources to see what is indexed.",
        "paragraph": "paragraph {n}",
        "corpus.shared": "shared documents",
        "corpus.server": "this server's documents",
        "context": "Context",
        "passages": "Other passages",
        "passages.none": "No other passages came close to this question.",
        "button.ctx": "Show context",
        "button.alt": "Other passages",
        "text.not_found": "The documents don't cover that. The closest passages I found (not answers):",
        "text.confidence": "Confidence: {level} ({score})",
    },
    "tr": {
        "hello": "Merhaba!",
        "welcome.title": "Rica ederim",
        "welcome.text": "Belgeler hakkında başka ne isterseniz sorun; örnekler için `/help`.",
        "welcome.chat": "Rica ederim. Belgeler hakkında başka ne isterseniz sorun.",
        "question": "Soru: ",
        "likely": "Muhtemelen bu, ama eşleşme zayıf: bağlamına bakın.",
        "confidence.high": "Yüksek güven: cümle soruyla yakından örtüşüyor.",
        "confidence.medium": "Orta güven: cümle konuyla ilgili; bağlamına bakın.",
        "confidence.low": "Düşük güven: zayıf bir eşleşme; cevap olup olmadığını Bağlamı göster düğmesi gösterir.",
        "confidence.none": "Güven yok: belgelerde eşleşen bir şey yok.",
        "level.high": "yüksek", "level.medium": "orta", "level.low": "düşük", "level.none": "yok",
        "not_found.title": "Belgelerde yok: ",
        "not_found.text": "Dizindeki belgeler bu soruyu kapsamıyor gibi görünüyor; alıntılanacak bir cevap yok.",
        "not_found.closest": "Bulduğum en yakın #{n} (cevap değil)",
        "not_found.footer": "Soruyu başka türlü sormayı deneyin ya da dizinde ne olduğunu görmek için /sources kullanın.",
        "paragraph": "{n}. paragraf",
        "corpus.shared": "ortak belgeler",
        "corpus.server": "bu sunucunun belgeleri",
        "context": "Bağlam",
        "passages": "Diğer pasajlar",
        "passages.none": "Bu soruya yakın başka pasaj yok.",
        "button.ctx": "Bağlamı göster",
        "button.alt": "Diğer pasajlar",
        "text.not_found": "Belgeler bunu kapsamıyor. Bulduğum en yakın pasajlar (cevap değil):",
        "text.confidence": "Güven: {level} ({score})",
    },
    "ja": {
        "hello": "こんにちは！",
        "welcome.title": "どういたしまして",
        "welcome.text": "資料について他にも何でも聞いてください。例は `/help` で見られます。",
        "welcome.chat": "どういたしまして。資料について他にも何でも聞いてください。",
        "question": "質問: ",
        "likely": "おそらくこの文ですが、一致は緩やかです。前後の文脈を確認してください。",
        "confidence.high": "確信度・高: この文は質問とよく一致しています。",
        "confidence.medium": "確信度・中: 関連する文です。前後の文脈を確認してください。",
        "confidence.low": "確信度・低: 一致は緩やかです。答えかどうかは「文脈を表示」で確認できます。",
        "confidence.none": "確信度なし: 資料に一致するものがありません。",
        "level.high": "高", "level.medium": "中", "level.low": "低", "level.none": "なし",
        "not_found.title": "資料にありません: ",
        "not_found.text": "索引の資料はこの質問を扱っていないようです。引用できる答えはありません。",
        "not_found.closest": "最も近い文 #{n}（答えではありません）",
        "not_found.footer": "言い換えてみるか、/sources で索引の内容を確認してください。",
        "paragraph": "第{n}段落",
        "corpus.shared": "共有資料",
        "corpus.server": "このサーバーの資料",
        "context": "文脈",
        "passages": "ほかの候補",
        "passages.none": "この質問に近いほかの文はありません。",
        "button.ctx": "文脈を表示",
        "button.alt": "ほかの候補",
        "text.not_found": "資料にはその答えがありません。最も近い文（答えではありません）:",
        "text.confidence": "確信度: {level} ({score})",
    },
}


def phrase(key: str, language: str = "en", **values: object) -> str:
    """The phrase ``key`` in ``language`` (English for any language without its own),
    with ``values`` filled in."""
    table = PHRASES.get(language, PHRASES["en"])
    return table.get(key, PHRASES["en"][key]).format(**values)
