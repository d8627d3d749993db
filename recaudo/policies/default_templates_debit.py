"""The shipped texts of a direct debit's notices (payments/debit_charges.py, debit.py).

A debtor whose card is charged automatically reads exactly what will happen:
the date, the amount, the card (brand and last four digits), which
instalment of how many, and how to cancel the direct debit. After a refusal:
which card, why in plain words (the bank declined it / the bank asks the
debtor to confirm it), when we try again or that we will not, and the link
to pay by hand or cancel. ``debit_failed`` has a retry ahead,
``debit_failed_final`` has none: two keys, because a WhatsApp template's
parameters are fixed and never empty. The rules of default_templates.py
hold: SMS in GSM-7 within two segments, WhatsApp texts neither starting nor
ending with a placeholder; "tú" and "usted" in Spanish.
"""

from __future__ import annotations

DEBIT_KEYS = (
    "debit_upcoming",
    "debit_failed",
    "debit_failed_final",
    "debit_action_required",
    "debit_cancelled",
)

DEBIT_SMS: dict[str, dict[str, str]] = {
    "debit_upcoming": {
        "es": "{{ marca }}: hola {{ nombre }}, el {{ fecha_cargo }} cargaremos {{ monto_cargo }} "
        "a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} "
        "de {{ cuotas_total }} de tu plan). Si quieres cancelar la domiciliacion: "
        "{{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, on {{ fecha_cargo }} we will charge {{ monto_cargo }} "
        "to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment {{ cuota_numero }} "
        "of {{ cuotas_total }} of your plan). To cancel the direct debit: {{ enlace_pago }} "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, em {{ fecha_cargo }} vamos cobrar {{ monto_cargo }} "
        "no seu cartao {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de "
        "{{ cuotas_total }} do seu plano). Para cancelar o debito automatico: {{ enlace_pago }}",
    },
    "debit_failed": {
        "es": "{{ marca }}: hola {{ nombre }}, tu banco rechazo el cobro de {{ monto_cargo }} a tu "
        "tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de "
        "{{ cuotas_total }}). Lo intentaremos de nuevo el {{ fecha_reintento }}. Puedes pagar "
        "antes o cancelar la domiciliacion en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your bank declined the {{ monto_cargo }} charge to "
        "your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment {{ cuota_numero }} "
        "of {{ cuotas_total }}). We will try again on {{ fecha_reintento }}. Pay sooner or cancel "
        "the direct debit at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu banco recusou a cobranca de {{ monto_cargo }} no "
        "cartao {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de "
        "{{ cuotas_total }}). Vamos tentar de novo em {{ fecha_reintento }}. Pague antes ou "
        "cancele o debito automatico em {{ enlace_pago }}",
    },
    "debit_failed_final": {
        "es": "{{ marca }}: hola {{ nombre }}, tu banco rechazo el cobro de {{ monto_cargo }} a tu "
        "tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de "
        "{{ cuotas_total }}). No lo intentaremos de nuevo: puedes pagarla con otro medio o "
        "cancelar la domiciliacion en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your bank declined the {{ monto_cargo }} charge to "
        "your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment {{ cuota_numero }} "
        "of {{ cuotas_total }}). We will not try again: pay it another way or cancel the direct "
        "debit at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu banco recusou a cobranca de {{ monto_cargo }} no "
        "cartao {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de "
        "{{ cuotas_total }}). Nao vamos tentar de novo: pague por outro meio ou cancele o debito "
        "automatico em {{ enlace_pago }}",
    },
    "debit_action_required": {
        "es": "{{ marca }}: hola {{ nombre }}, tu banco pide que confirmes el cobro de "
        "{{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
        "{{ cuota_numero }} de {{ cuotas_total }}), asi que no se hizo. Paga la cuota en "
        "{{ enlace_pago }} Alli tambien puedes cancelar la domiciliacion.",
        "en": "{{ marca }}: Hi {{ nombre }}, your bank asks you to confirm the {{ monto_cargo }} "
        "charge to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment "
        "{{ cuota_numero }} of {{ cuotas_total }}), so it did not go through. Pay it at "
        "{{ enlace_pago }} You can also cancel the direct debit there. Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu banco pede que voce confirme a cobranca de "
        "{{ monto_cargo }} no cartao {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela "
        "{{ cuota_numero }} de {{ cuotas_total }}), por isso ela nao foi feita. Pague em "
        "{{ enlace_pago }} La voce tambem pode cancelar o debito automatico.",
    },
    "debit_cancelled": {
        "es": "{{ marca }}: hola {{ nombre }}, cancelamos la domiciliacion de tu tarjeta "
        "{{ tarjeta }} terminada en {{ tarjeta_ultimos }}: no haremos mas cobros automaticos. "
        "Las cuotas que quedan puedes pagarlas en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, we cancelled the direct debit on your {{ tarjeta }} "
        "card ending in {{ tarjeta_ultimos }}: no more automatic charges. You can pay the "
        "instalments left at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, cancelamos o debito automatico no seu cartao "
        "{{ tarjeta }} final {{ tarjeta_ultimos }}: nao faremos mais cobrancas automaticas. "
        "Pague as parcelas que faltam em {{ enlace_pago }}",
    },
}

DEBIT_WHATSAPP: dict[str, dict[str, str]] = {
    "debit_upcoming": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: el {{ fecha_cargo }} cargaremos "
        "{{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
        "{{ cuota_numero }} de {{ cuotas_total }} de tu plan).\nSi quieres cancelar la "
        "domiciliación: {{ enlace_pago }}\n¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}: on {{ fecha_cargo }} we will charge "
        "{{ monto_cargo }} to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} "
        "(instalment {{ cuota_numero }} of {{ cuotas_total }} of your plan).\nTo cancel the "
        "direct debit: {{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: em {{ fecha_cargo }} vamos "
        "cobrar {{ monto_cargo }} no seu cartão {{ tarjeta }} final {{ tarjeta_ultimos }} "
        "(parcela {{ cuota_numero }} de {{ cuotas_total }} do seu plano).\nPara cancelar o "
        "débito automático: {{ enlace_pago }}\nObrigado!",
    },
    "debit_failed": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: tu banco rechazó el cobro de "
        "{{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
        "{{ cuota_numero }} de {{ cuotas_total }}). Lo intentaremos de nuevo el "
        "{{ fecha_reintento }}.\nSi prefieres pagar antes, o cancelar la domiciliación: "
        "{{ enlace_pago }}\nSi necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your bank declined the {{ monto_cargo }} "
        "charge to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment "
        "{{ cuota_numero }} of {{ cuotas_total }}). We will try again on {{ fecha_reintento }}."
        "\nTo pay sooner, or to cancel the direct debit: {{ enlace_pago }}\n"
        "If you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: seu banco recusou a cobrança de "
        "{{ monto_cargo }} no cartão {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela "
        "{{ cuota_numero }} de {{ cuotas_total }}). Vamos tentar de novo em "
        "{{ fecha_reintento }}.\nPara pagar antes, ou cancelar o débito automático: "
        "{{ enlace_pago }}\nSe precisar de ajuda, responda esta mensagem.",
    },
    "debit_failed_final": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: tu banco rechazó el cobro de "
        "{{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
        "{{ cuota_numero }} de {{ cuotas_total }}). No lo intentaremos de nuevo.\nPuedes pagar "
        "la cuota con otro medio, o cancelar la domiciliación, aquí: {{ enlace_pago }}\n"
        "Si necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your bank declined the {{ monto_cargo }} "
        "charge to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} (instalment "
        "{{ cuota_numero }} of {{ cuotas_total }}). We will not try again.\nYou can pay the "
        "instalment another way, or cancel the direct debit, here: {{ enlace_pago }}\n"
        "If you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: seu banco recusou a cobrança de "
        "{{ monto_cargo }} no cartão {{ tarjeta }} final {{ tarjeta_ultimos }} (parcela "
        "{{ cuota_numero }} de {{ cuotas_total }}). Não vamos tentar de novo.\nVocê pode pagar "
        "a parcela por outro meio, ou cancelar o débito automático, aqui: {{ enlace_pago }}\n"
        "Se precisar de ajuda, responda esta mensagem.",
    },
    "debit_action_required": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: tu banco pide que confirmes tú "
        "mismo el cobro de {{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada en "
        "{{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }}), así que no se "
        "hizo y no lo intentaremos de nuevo.\nPuedes pagar la cuota, o cancelar la "
        "domiciliación, aquí: {{ enlace_pago }}\nSi necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your bank asks you to confirm the "
        "{{ monto_cargo }} charge to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} "
        "(instalment {{ cuota_numero }} of {{ cuotas_total }}) yourself, so it did not go "
        "through and we will not try again.\nYou can pay the instalment, or cancel the direct "
        "debit, here: {{ enlace_pago }}\nIf you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: seu banco pede que você mesmo "
        "confirme a cobrança de {{ monto_cargo }} no cartão {{ tarjeta }} final "
        "{{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de {{ cuotas_total }}), por isso ela "
        "não foi feita e não vamos tentar de novo.\nVocê pode pagar a parcela, ou cancelar o "
        "débito automático, aqui: {{ enlace_pago }}\nSe precisar de ajuda, responda esta "
        "mensagem.",
    },
    "debit_cancelled": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: cancelamos la domiciliación de "
        "tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }}; no haremos más cobros "
        "automáticos.\nLas cuotas que quedan puedes pagarlas aquí: {{ enlace_pago }}\n¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}: we cancelled the direct debit on your "
        "{{ tarjeta }} card ending in {{ tarjeta_ultimos }}; there will be no more automatic "
        "charges.\nYou can pay the instalments left here: {{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: cancelamos o débito automático "
        "no seu cartão {{ tarjeta }} final {{ tarjeta_ultimos }}; não faremos mais cobranças "
        "automáticas.\nPague as parcelas que faltam aqui: {{ enlace_pago }}\nObrigado!",
    },
}

# (subject, opening): the opening says everything (SELF_CONTAINED_EMAILS), link included.
DEBIT_EMAIL: dict[str, dict[str, tuple[str, str]]] = {
    "debit_upcoming": {
        "es": (
            "{{ marca }}: el {{ fecha_cargo }} cargaremos tu cuota",
            "El {{ fecha_cargo }} cargaremos {{ monto_cargo }} a tu tarjeta {{ tarjeta }} "
            "terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} "
            "de tu plan). No tienes que hacer nada.\n\nSi quieres cancelar la domiciliación: "
            "{{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your instalment will be charged on {{ fecha_cargo }}",
            "On {{ fecha_cargo }} we will charge {{ monto_cargo }} to your {{ tarjeta }} card "
            "ending in {{ tarjeta_ultimos }} (instalment {{ cuota_numero }} of {{ cuotas_total }} "
            "of your plan). You don't need to do anything.\n\nTo cancel the direct debit: "
            "{{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: sua parcela será cobrada em {{ fecha_cargo }}",
            "Em {{ fecha_cargo }} vamos cobrar {{ monto_cargo }} no seu cartão {{ tarjeta }} "
            "final {{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de {{ cuotas_total }} do "
            "seu plano). Você não precisa fazer nada.\n\nPara cancelar o débito automático: "
            "{{ enlace_pago }}",
        ),
    },
    "debit_failed": {
        "es": (
            "{{ marca }}: tu banco rechazó el cobro de tu cuota",
            "Tu banco rechazó el cobro de {{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada "
            "en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} de tu plan)."
            " Lo intentaremos de nuevo el {{ fecha_reintento }}.\n\nSi prefieres pagar antes con "
            "otro medio, o cancelar la domiciliación: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your bank declined your instalment's charge",
            "Your bank declined the {{ monto_cargo }} charge to your {{ tarjeta }} card ending in "
            "{{ tarjeta_ultimos }} (instalment {{ cuota_numero }} of {{ cuotas_total }} of your "
            "plan). We will try again on {{ fecha_reintento }}.\n\nTo pay sooner another way, or "
            "to cancel the direct debit: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu banco recusou a cobrança da parcela",
            "Seu banco recusou a cobrança de {{ monto_cargo }} no cartão {{ tarjeta }} final "
            "{{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de {{ cuotas_total }} do seu "
            "plano). Vamos tentar de novo em {{ fecha_reintento }}.\n\nPara pagar antes por "
            "outro meio, ou cancelar o débito automático: {{ enlace_pago }}",
        ),
    },
    "debit_failed_final": {
        "es": (
            "{{ marca }}: tu banco rechazó el cobro de tu cuota",
            "Tu banco rechazó el cobro de {{ monto_cargo }} a tu tarjeta {{ tarjeta }} terminada "
            "en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} de tu plan)."
            " No lo intentaremos de nuevo.\n\nPuedes pagar la cuota con otro medio, o cancelar "
            "la domiciliación, aquí: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your bank declined your instalment's charge",
            "Your bank declined the {{ monto_cargo }} charge to your {{ tarjeta }} card ending in "
            "{{ tarjeta_ultimos }} (instalment {{ cuota_numero }} of {{ cuotas_total }} of your "
            "plan). We will not try again.\n\nYou can pay the instalment another way, or cancel "
            "the direct debit, here: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu banco recusou a cobrança da parcela",
            "Seu banco recusou a cobrança de {{ monto_cargo }} no cartão {{ tarjeta }} final "
            "{{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de {{ cuotas_total }} do seu "
            "plano). Não vamos tentar de novo.\n\nVocê pode pagar a parcela por outro meio, ou "
            "cancelar o débito automático, aqui: {{ enlace_pago }}",
        ),
    },
    "debit_action_required": {
        "es": (
            "{{ marca }}: tu banco pide que confirmes el pago de tu cuota",
            "Tu banco pide que confirmes tú mismo el cobro de {{ monto_cargo }} a tu tarjeta "
            "{{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de "
            "{{ cuotas_total }} de tu plan), así que no se hizo y no lo intentaremos de nuevo."
            "\n\nPuedes pagar la cuota, o cancelar la domiciliación, aquí: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your bank asks you to confirm your instalment",
            "Your bank asks you to confirm the {{ monto_cargo }} charge to your {{ tarjeta }} "
            "card ending in {{ tarjeta_ultimos }} (instalment {{ cuota_numero }} of "
            "{{ cuotas_total }} of your plan) yourself, so it did not go through and we will not "
            "try again.\n\nYou can pay the instalment, or cancel the direct debit, here: "
            "{{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu banco pede que você confirme a parcela",
            "Seu banco pede que você mesmo confirme a cobrança de {{ monto_cargo }} no cartão "
            "{{ tarjeta }} final {{ tarjeta_ultimos }} (parcela {{ cuota_numero }} de "
            "{{ cuotas_total }} do seu plano), por isso ela não foi feita e não vamos tentar de "
            "novo.\n\nVocê pode pagar a parcela, ou cancelar o débito automático, aqui: "
            "{{ enlace_pago }}",
        ),
    },
    "debit_cancelled": {
        "es": (
            "{{ marca }}: cancelamos tu domiciliación",
            "Cancelamos la domiciliación de tu tarjeta {{ tarjeta }} terminada en "
            "{{ tarjeta_ultimos }}: no haremos más cobros automáticos.\n\nLas cuotas que quedan "
            "puedes pagarlas aquí: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your direct debit is cancelled",
            "We cancelled the direct debit on your {{ tarjeta }} card ending in "
            "{{ tarjeta_ultimos }}: there will be no more automatic charges.\n\nYou can pay the "
            "instalments left here: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu débito automático foi cancelado",
            "Cancelamos o débito automático no seu cartão {{ tarjeta }} final "
            "{{ tarjeta_ultimos }}: não faremos mais cobranças automáticas.\n\nPague as parcelas "
            "que faltam aqui: {{ enlace_pago }}",
        ),
    },
}

USTED_DEBIT_SMS: dict[str, str] = {
    "debit_upcoming": "{{ marca }}: hola {{ nombre }}, el {{ fecha_cargo }} cargaremos "
    "{{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
    "{{ cuota_numero }} de {{ cuotas_total }} de su plan). Si quiere cancelar la domiciliacion: "
    "{{ enlace_pago }}",
    "debit_failed": "{{ marca }}: hola {{ nombre }}, su banco rechazo el cobro de "
    "{{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
    "{{ cuota_numero }} de {{ cuotas_total }}). Lo intentaremos de nuevo el {{ fecha_reintento }}."
    " Puede pagar antes o cancelar la domiciliacion en {{ enlace_pago }}",
    "debit_failed_final": "{{ marca }}: hola {{ nombre }}, su banco rechazo el cobro de "
    "{{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
    "{{ cuota_numero }} de {{ cuotas_total }}). No lo intentaremos de nuevo: puede pagarla con "
    "otro medio o cancelar la domiciliacion en {{ enlace_pago }}",
    "debit_action_required": "{{ marca }}: hola {{ nombre }}, su banco pide que usted confirme "
    "el cobro de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} "
    "(cuota {{ cuota_numero }} de {{ cuotas_total }}), asi que no se hizo. Pague la cuota en "
    "{{ enlace_pago }} Alli tambien puede cancelar la domiciliacion.",
    "debit_cancelled": "{{ marca }}: hola {{ nombre }}, cancelamos la domiciliacion de su tarjeta "
    "{{ tarjeta }} terminada en {{ tarjeta_ultimos }}: no haremos mas cobros automaticos. Las "
    "cuotas que quedan puede pagarlas en {{ enlace_pago }}",
}

USTED_DEBIT_WHATSAPP: dict[str, str] = {
    "debit_upcoming": "Hola {{ nombre }}, le escribimos de {{ marca }}: el {{ fecha_cargo }} "
    "cargaremos {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} "
    "(cuota {{ cuota_numero }} de {{ cuotas_total }} de su plan).\nSi quiere cancelar la "
    "domiciliación: {{ enlace_pago }}\nMuchas gracias.",
    "debit_failed": "Hola {{ nombre }}, le escribimos de {{ marca }}: su banco rechazó el cobro "
    "de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota "
    "{{ cuota_numero }} de {{ cuotas_total }}). Lo intentaremos de nuevo el {{ fecha_reintento }}."
    "\nSi prefiere pagar antes, o cancelar la domiciliación: {{ enlace_pago }}\n"
    "Si necesita ayuda, responda a este mensaje.",
    "debit_failed_final": "Hola {{ nombre }}, le escribimos de {{ marca }}: su banco rechazó el "
    "cobro de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} "
    "(cuota {{ cuota_numero }} de {{ cuotas_total }}). No lo intentaremos de nuevo.\nPuede pagar "
    "la cuota con otro medio, o cancelar la domiciliación, aquí: {{ enlace_pago }}\n"
    "Si necesita ayuda, responda a este mensaje.",
    "debit_action_required": "Hola {{ nombre }}, le escribimos de {{ marca }}: su banco pide que "
    "usted mismo confirme el cobro de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en "
    "{{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }}), así que no se hizo "
    "y no lo intentaremos de nuevo.\nPuede pagar la cuota, o cancelar la domiciliación, aquí: "
    "{{ enlace_pago }}\nSi necesita ayuda, responda a este mensaje.",
    "debit_cancelled": "Hola {{ nombre }}, le escribimos de {{ marca }}: cancelamos la "
    "domiciliación de su tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }}; no haremos "
    "más cobros automáticos.\nLas cuotas que quedan puede pagarlas aquí: {{ enlace_pago }}\n"
    "Muchas gracias.",
}

USTED_DEBIT_EMAIL: dict[str, tuple[str, str]] = {
    "debit_upcoming": (
        "{{ marca }}: el {{ fecha_cargo }} cargaremos su cuota",
        "El {{ fecha_cargo }} cargaremos {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada "
        "en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} de su plan). "
        "No tiene que hacer nada.\n\nSi quiere cancelar la domiciliación: {{ enlace_pago }}",
    ),
    "debit_failed": (
        "{{ marca }}: su banco rechazó el cobro de su cuota",
        "Su banco rechazó el cobro de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en "
        "{{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} de su plan). Lo "
        "intentaremos de nuevo el {{ fecha_reintento }}.\n\nSi prefiere pagar antes con otro "
        "medio, o cancelar la domiciliación: {{ enlace_pago }}",
    ),
    "debit_failed_final": (
        "{{ marca }}: su banco rechazó el cobro de su cuota",
        "Su banco rechazó el cobro de {{ monto_cargo }} a su tarjeta {{ tarjeta }} terminada en "
        "{{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de {{ cuotas_total }} de su plan). No lo "
        "intentaremos de nuevo.\n\nPuede pagar la cuota con otro medio, o cancelar la "
        "domiciliación, aquí: {{ enlace_pago }}",
    ),
    "debit_action_required": (
        "{{ marca }}: su banco pide que confirme el pago de su cuota",
        "Su banco pide que usted mismo confirme el cobro de {{ monto_cargo }} a su tarjeta "
        "{{ tarjeta }} terminada en {{ tarjeta_ultimos }} (cuota {{ cuota_numero }} de "
        "{{ cuotas_total }} de su plan), así que no se hizo y no lo intentaremos de nuevo.\n\n"
        "Puede pagar la cuota, o cancelar la domiciliación, aquí: {{ enlace_pago }}",
    ),
    "debit_cancelled": (
        "{{ marca }}: cancelamos su domiciliación",
        "Cancelamos la domiciliación de su tarjeta {{ tarjeta }} terminada en "
        "{{ tarjeta_ultimos }}: no haremos más cobros automáticos.\n\nLas cuotas que quedan "
        "puede pagarlas aquí: {{ enlace_pago }}",
    ),
}
