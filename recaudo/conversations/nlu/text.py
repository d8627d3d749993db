"""Text clean-up shared by the rules, the slot parsers and the classifier.

The canonical form (``normalize``, ``simplify``) lives in ``outreach.text``,
shared with the opt-out lexicon; this module adds the language guess.
"""

from __future__ import annotations

from recaudo.outreach.text import normalize, simplify, strip_accents

__all__ = ["detect_language", "normalize", "simplify", "strip_accents"]


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
