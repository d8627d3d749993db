"""How a debtor's message is read: one canonical form for every rule that reads it.

Debtors write fast on a phone: no accents, letters repeated for emphasis,
chat abbreviations ("q", "xq", "pls", "tmb") and emojis. Everything downstream
works on one canonical form so that a rule written once ("no me escriban mas")
also matches "No me escribaaan más!!". The opt-out lexicon (``optouts``) and
the bot's NLU (``conversations.nlu``: rules, slot parsers, classifier) both
read messages through ``normalize``, so the webhook layer and the bot cannot
read one message two ways. It lives here, below both, because the outbox owns
the opt-out lexicon.
"""

from __future__ import annotations

import re
import unicodedata

# Emojis carry meaning ("🙏" is thanks, "👋" a greeting); they become words the
# classifier can weigh.
EMOJI_WORDS = {
    "🙏": " emojithanks ",
    "👍": " emojiok ",
    "👌": " emojiok ",
    "👋": " emojiwave ",
    "😊": " emojismile ",
    "🙂": " emojismile ",
    "😀": " emojismile ",
    "😁": " emojismile ",
    "❤": " emojiheart ",
    "😡": " emojiangry ",
    "😠": " emojiangry ",
    "🤬": " emojiangry ",
    "😢": " emojisad ",
    "😭": " emojisad ",
    "😔": " emojisad ",
    "😞": " emojisad ",
    "🤔": " emojithink ",
    "💰": " emojimoney ",
    "💸": " emojimoney ",
    "💵": " emojimoney ",
    "✅": " emojicheck ",
    "📎": " emojiattach ",
    "🧾": " emojireceipt ",
    "🛑": " stop ",
    "✋": " emojihand ",
    "🚫": " emojino ",
}

# Whole-word chat abbreviations and common misspellings, already accent-free.
ABBREVIATIONS = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "tmb": "tambien",
    "tb": "tambien",
    "tbn": "tambien",
    "pls": "por favor",
    "plz": "por favor",
    "plis": "por favor",
    "porfa": "por favor",
    "porfis": "por favor",
    "xfa": "por favor",
    "xfavor": "por favor",
    "pf": "por favor",
    "d": "de",
    "x": "por",
    "xa": "para",
    "pa": "para",
    "dnd": "donde",
    "cdo": "cuando",
    "qdo": "cuando",
    "qro": "quiero",
    "kiero": "quiero",
    "kero": "quiero",
    "msj": "mensaje",
    "msjs": "mensajes",
    "mje": "mensaje",
    "mjes": "mensajes",
    "nro": "numero",
    "num": "numero",
    "tel": "telefono",
    "cel": "celular",
    "bn": "bien",
    "hno": "hermano",
    "sta": "esta",
    "tons": "entonces",
    "vdd": "verdad",
    "ud": "usted",
    "uds": "ustedes",
    "mñn": "manana",
    "mñna": "manana",
    "mnn": "manana",
    "vc": "voce",
    "vcs": "voces",
    "obg": "obrigado",
    "obgd": "obrigado",
    "u": "you",
    "ur": "your",
    "pmt": "payment",
    "thx": "thanks",
    "ty": "thanks",
    "tks": "thanks",
}

_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9ñ]+|[^\sa-z0-9ñ]")


def strip_accents(text: str) -> str:
    """Lower case without diacritics ("Mañana" -> "manana", "não" -> "nao")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def simplify(text: str) -> str:
    """Accent-free, lower case, single spaces, emphasis repeats collapsed ("holaaa" -> "hola").

    Digits and punctuation stay: the slot parsers need "$2.500" and "10/12".
    """
    for emoji, word in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, word)
    text = _REPEATS.sub(r"\1", strip_accents(text)).replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """The classifier's and the rules' view: `simplify` plus abbreviations expanded."""
    words = [ABBREVIATIONS.get(word, word) for word in _WORD.findall(simplify(text))]
    return " ".join(words)
