"""The opt-out lexicon: when a debtor's message means "stop", and how far.

Plain rules over text, no database: the bot's NLU imports it without Django
set up (``recaudo nlu``, ``bench/nlu.py``). ``outreach.optouts`` re-exports it
with the actions that honour an opt-out; import it from there elsewhere.
"""

from __future__ import annotations

import re
from typing import Literal

from recaudo.outreach.text import normalize

Scope = Literal["channel", "all"]


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(phrases)


# --- The lexicon ---------------------------------------------------------------
#
# A message that is exactly one of these (as ``keyword_form`` reads it: lower
# case, no accents, no punctuation, digits or emojis, "por favor" around it
# dropped) is an opt-out with that scope: "channel" stops the channel it came
# on, "all" stops every channel of that phone or address. One table for every
# channel a debtor writes on (WhatsApp, SMS, RCS): debtors do not know which
# words their carrier honours. What differs per channel is only the provider's
# own verdict (``provider_says_stop``: Twilio's Advanced Opt-Out).
#
# Sources. Twilio's default opt-out keywords: STOP, STOPALL, UNSUBSCRIBE,
# CANCEL, END, QUIT, and in its newer docs REVOKE and OPTOUT
# (https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out,
# https://support.twilio.com/hc/en-us/articles/223134027); its Proxy docs add
# French ARRET (https://www.twilio.com/docs/proxy/opt-out-keywords). Spanish
# and Portuguese are not Twilio defaults: they, and the English extras, are
# our policy (docs/channels.md, "Sources").
#
# Decisions where the two old lists disagreed:
# - "FIN" alone is Spanish for END, a carrier keyword: it stops the channel on
#   both paths (the bot used to read it as a promise). Only the whole message
#   counts, so "a fin de mes te pago" stays a promise to pay.
# - "CANCELAR" alone stops the channel: it is CANCEL in Spanish, the bot's
#   classifier already read a bare "Cancelar" as an opt-out, and a missed
#   opt-out is a legal problem where a wrong one costs a reminder (the
#   payment link still works). In a sentence it is not a keyword and no phrase
#   below matches it except next to "suscripción", "mensajes" and the like: in
#   Latin America "cancelar la deuda" means paying it.
KEYWORDS: dict[str, dict[Scope, frozenset[str]]] = {
    "en": {  # Twilio's defaults, then our extras
        "channel": _words(
            "stop", "end", "quit", "cancel", "unsubscribe", "revoke", "optout",
            "opt out", "unsub", "remove",
        ),
        "all": _words("stopall", "stop all"),
    },
    "fr": {"channel": _words("arret", "arrete")},
    "es": {
        "channel": _words(
            "baja", "de baja", "dar de baja", "darme de baja", "alto", "parar", "para",
            "pare", "paren", "detener", "basta", "ya basta", "fin", "salir", "cancelar",
            "remover",
        ),
        "all": _words(
            "no mas", "baja total", "no me contacten", "no me contacten mas",
            "no me escriban", "no me escriban mas", "no me llamen", "no me llamen mas",
        ),
    },
    "pt-BR": {
        "channel": _words("sair", "parar", "pare", "chega", "parar mensagens", "remover"),
    },
}  # fmt: skip


def _scope_of_keywords() -> dict[str, Scope]:
    scopes: dict[str, Scope] = {}
    for by_scope in KEYWORDS.values():
        for scope, words in by_scope.items():
            for word in words:
                if scopes.setdefault(word, scope) != scope:
                    raise ValueError(f"opt-out keyword {word!r} has two scopes")
    return scopes


KEYWORD_SCOPES = _scope_of_keywords()

# Phrases anywhere in the message (run on ``keyword_form``) stop the channel the
# message came on. The lexicon is broad on purpose and runs before any model;
# the bot's classifier stays the backup for wordings it misses (misspellings):
# it can add an opt-out, which the bot applies to the channel and audits, never
# take one away.

# Verb stems of "writing, calling, bothering" in Spanish; -ar verbs take the
# subjunctive -en/-es/-e ("no me llamen"), -er/-ir verbs -an/-as/-a ("no me
# escriban"). The indicative ("no me llaman", they do not call me) is not an opt-out.
_AR_VERBS = (
    r"(llam|mand|envi|contact|molest|hinch|acos|habl|mensaje|textee|busqu|fastidi|spame"
    r"|hostigu|presion|friegu|whatsappe|chate|timbr|marqu)"
)
_ER_VERBS = r"(escrib|jod|romp|insist)"
_VERBS_ES = rf"({_AR_VERBS[1:-1]}|{_ER_VERBS[1:-1]})"
_CHANNELS = (
    r"(mensaje|llamada|sms|whatsapp|wsp|wpp|correo|mail|email|notificacion|recordatorio"
    r"|publicidad|texto|cobranza|cobro|aviso)"
)

PATTERNS = [
    # Spanish: "no me escriban (más)", "ya no nos llamen", "no me vuelvan a escribir"
    rf"\bno (me|nos|le|les)? ?({_AR_VERBS}(en|es|e)|{_ER_VERBS}(an|as|a))\b",
    rf"\bno (me|nos)? ?(vuelvan|vuelvas|vuelva) a {_VERBS_ES}",
    rf"\bno (me|nos)? ?(sigan|siga|sigas) {_VERBS_ES}",
    rf"\b(dej|par)(en|e|a|ar|as|a) de {_VERBS_ES}",
    r"\b(dejen|deja|deje)(me|nos) (en paz|tranquil)",
    rf"\bno (quiero|deseo|queremos|necesito) (recibir|mas|ningun|ninguna|que me) ?.{{0,20}}"
    rf"{_CHANNELS}",
    rf"\bno (quiero|deseo) que (me|nos) (sigan )?{_VERBS_ES}",
    rf"\bbasta (de|con) (sus |los |tanto |tantos |tantas )?({_CHANNELS}|{_VERBS_ES})",
    rf"\bno mas {_CHANNELS}",
    r"^(quiero |pido |solicito |me dan |denme )?(la )?baja($| por favor| ya| de | del )",
    # "darme de baja", but not "di de baja el servicio" (cancelled a product: a dispute)
    r"(?<!\bdi )(?<!\bdio )(?<!\bdimos )(?<!\bdieron )(?<!\bdado )(?<!\bdiste )"
    r"\b(de|la|mi|su|una) baja\b(?! (el|la|los|las|ese|esa|mi|del|al) (servicio|plan|linea"
    r"|contrato|tarjeta|seguro|producto|cuenta|equipo|internet|cable|celular))",
    r"\b(desuscrib|desinscrib|desafili|dessuscri|unsubscri|unsuscri|desuscri|desabon)",
    r"\b(cancel|desactiv)\w* (la |las |los |mi |mis |su |sus |de |o |as |os |o envio de )?"
    r"(suscripcion|subscripcion|inscricao|inscripcion|mensaje|mensage|notificac|recordatorio|avisos"
    r"|sms)",
    r"\bno (quiero|deseo|quero) ser (contactad|llamad|contatad)",
    r"\b(favor|por favor) no (volver a )?(contactar|llamar|escribir|enviar|mandar)",
    # "sáquenme de la lista", not "¿cómo sacaron mi número?" (a past tense asks, not orders)
    r"\b(sac|saq|quit|borr|elimin|remuev|remov|retir|tir|exclu)(?!\w*(aron|ieron)\b)\w*"
    r" (de |del |da |do )?"
    r"(la |su |sus |tu |esta |essa |your |dessa |desta |dela |de esta |de esa |da sua )?"
    r"(listas?|listados?|base de datos|cadastro|lists?)\b",
    r"\b(sac|saq|quit|borr|elimin|remuev|remov|retir|tir|exclu)(?!\w*(aron|ieron)\b)\w*"
    r" (mis?|meus?|minhas?|este|esse"
    r"|el|o) (numero|telefono|celular|correo|contacto|datos|email|whatsapp|dados|contato)",
    r"\b(revoco|retiro|revocar|retirar) (mi |el |la )?(autorizacion|consentimiento|permiso)",
    r"\bno (los |les )?autoriz\w* (a )?(que me|el contacto|para|a contactar|contactar"
    r"|a escribir|a llamar)",
    rf"\bno (los |les )?autoriz\w* (mas |ningun |ningunas? |el |los |las )?(contacto|{_CHANNELS})",
    rf"\bparen (ya )?(con|de) (los |las |sus |tantos |tantas )?({_CHANNELS}|{_VERBS_ES})",
    r"\bstop\b",
    # Portuguese: "não quero mais mensagens", "parem de me ligar", "me tira da lista"
    r"\bnao (quero|desejo|queremos) (mais|receber|nenhum|nenhuma)",
    r"\bpar(e|em|ar|a) de (me |nos )?(mandar|enviar|ligar|escrever|incomodar|perturbar"
    r"|encher|cobrar|mandar mensage)",
    r"\bnao (me |nos )?(mande|mandem|envie|enviem|ligue|liguem|escreva|escrevam|procure"
    r"|procurem|contatem|contate|incomode|incomodem|perturbe|perturbem) ?(mais|nunca|nada)",
    r"\bnao (me |nos )?(mandem|enviem|liguem|escrevam|incomodem|perturbem)\b",
    r"\bdescadastr",
    r"\bsair da (lista|base)",
    r"\bchega de (mensage|ligac|me )",
    r"\bnunca mais (me )?(mande|ligue|escreva|envie)",
    # English: "stop texting me", "don't call me again", "take me off your list"
    r"\b(stop|quit|cease) (texting|calling|messaging|contacting|sending|emailing|bothering"
    r"|harassing|spamming)",
    r"\b(do not|dont|never|please dont) (ever )?(text|call|message|contact|email|bother|sms)"
    r" (me|us|this)",
    r"\bremove (me|my (number|phone|email|name))",
    r"\btake (me|my number) off",
    r"\bopt ?(me )?out\b",
    r"\bunsubscrib",
    r"\bno more (texts|messages|calls|emails|sms|reminders)",
    r"\bleave me alone",
    r"\b(i dont|i do not) want (to receive |to get )?(any )?(more )?(texts|messages|calls|emails)",
]
_COMPILED = [re.compile(pattern) for pattern in PATTERNS]
_NOT_A_LETTER = re.compile(r"[^a-z ]+")


def keyword_form(text: str) -> str:
    """The message as the lexicon reads it: ``normalize``d, letters and spaces only."""
    words = _NOT_A_LETTER.sub(" ", normalize(text)).split()
    bare = " ".join(word for word in words if not word.startswith("emoji"))
    return bare.removesuffix(" por favor").removeprefix("por favor ")


def opt_out_scope(text: str, *, provider_says_stop: bool = False) -> Scope | None:
    """Whether a message opts out of its channel, of everything, or not at all.

    ``provider_says_stop``: the provider already decided it is an opt-out
    (Twilio's ``OptOutType=STOP``); it counts for the channel unless the words
    say everything.
    """
    scope = keyword_scope(text)
    if scope is not None:
        return scope
    words = keyword_form(text)
    if provider_says_stop or any(pattern.search(words) for pattern in _COMPILED):
        return "channel"
    return None


def keyword_scope(text: str) -> Scope | None:
    """The scope of the table's keyword that is the whole message, if it is one."""
    return KEYWORD_SCOPES.get(keyword_form(text))
