"""Text clean-up shared by the rules, the slot parsers and the classifier.

Debtors write fast on a phone: no accents, letters repeated for emphasis,
chat abbreviations ("q", "xq", "pls", "tmb") and emojis. Everything downstream
works on one canonical form so that a rule written once ("no me escriban mas")
also matches "No me escribaaan más!!".
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Telltale words of each language (accent-free, normalized).
_PORTUGUESE = _words(
    "nao voce voces obrigado obrigada quero quanto devo meu minha pra pagar boleto pix divida "
    "amanha hoje mensagens mensagem ola oi tudo bem falar atendente pessoa posso como faco "
    "parcelar ja paguei valeu dinheiro semana sexta feira segunda fatura vencimento "
    "essa esse isso conta numero errado desempregado emprego estou sou tenho ate mais "
    "parem ligar obrigadao comprovante pagamento cartao agora depois ontem vou"
)
_PORTUGUESE_STRONG = _words(
    "nao voce obrigado obrigada pra boleto pix amanha hoje mensagens oi atendente faco "
    "parcelar paguei valeu dinheiro fatura vencimento essa esse isso estou sou ate ontem "
    "vou meu minha tudo ola falar emprego comprovante pagamento cartao quanto devo"
)
_ENGLISH = _words(
    "i you my me the how much what is do does can to please thanks thank want pay paid "
    "balance link send stop owe bill due when wrong number person talk speak agent human "
    "someone am not this it a an of for on in with have lost job money week tomorrow "
    "friday today next already receipt plan installments hello hi hey good morning"
)
_SPANISH = _words(
    "que de no el la yo me mi cuanto debo pagar pago quiero por favor gracias hola con una "
    "un es los las se lo mas como donde cuando hoy manana ya tengo puedo deuda plata "
    "numero persona hablar link enlace semana viernes lunes"
)


def detect_language(normalized: str) -> str:
    """ "es", "pt" or "en" by counting telltale words; Spanish when in doubt."""
    words = normalized.split()
    spanish = sum(word in _SPANISH for word in words)
    portuguese = sum(word in _PORTUGUESE for word in words) + sum(
        word in _PORTUGUESE_STRONG for word in words
    )
    english = sum(word in _ENGLISH for word in words)
    scores = {"es": spanish + 0.5, "pt": portuguese / 1.5, "en": english}
    return max(scores, key=scores.__getitem__)
