"""Opt-out detection by rule, before any model.

A missed opt-out is a legal problem (every country we serve obliges us to stop
when asked), a wrong one only costs a reminder. So this lexicon is broad and
runs first; the classifier is the backup for wordings the lexicon misses.
Patterns run on `text.normalize` output: lower case, no accents, chat
abbreviations expanded, punctuation split into its own tokens.
"""

from __future__ import annotations

import re

# A message that is only one of these words (punctuation and emojis aside) is
# an opt-out: carriers' keywords (STOP, END, QUIT...) and their local forms.
# "cancelar" is not here: in Latin America "cancelar la deuda" means paying it.
KEYWORDS = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "parar",
        "para",
        "pare",
        "paren",
        "alto",
        "basta",
        "ya basta",
        "baja",
        "de baja",
        "darme de baja",
        "dar de baja",
        "no mas",
        "sair",
        "chega",
        "end",
        "quit",
        "cancel",
        "unsubscribe",
        "unsub",
        "optout",
        "opt out",
        "remove",
        "remover",
    }
)

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
_NOT_WORD = re.compile(r"[^a-z ]+")


def is_opt_out(normalized: str) -> bool:
    """True when `normalized` (see `text.normalize`) asks us to stop contacting."""
    bare = " ".join(_NOT_WORD.sub(" ", normalized).split())
    bare = bare.removesuffix(" por favor").removeprefix("por favor ")
    if bare in KEYWORDS:
        return True
    return any(pattern.search(bare) for pattern in _COMPILED)
