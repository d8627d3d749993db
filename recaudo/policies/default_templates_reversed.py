"""The shipped texts of the notices for money taken back (a refund, a chargeback).

``payment_reversed``: a payment that went through was later refunded or
charged back (``payments.actions._reverse``): the amount, the date of the
payment, that it no longer counts, what is owed again, and the link.
``payment_reversed_debit``: the same for an automatic charge of a direct
debit (``payments.debit_charges.reverse_debit``), naming the card and the
instalment that is pending again, and that it will not be charged
automatically again (the debtor pays it at the link). Two keys, because a
WhatsApp template's parameters are fixed. The rules of default_templates.py
hold: SMS in GSM-7 within two segments, WhatsApp texts neither starting nor
ending with a placeholder; "tú" and "usted" in Spanish.
"""

from __future__ import annotations

REVERSED_KEYS = ("payment_reversed", "payment_reversed_debit")

REVERSED_SMS: dict[str, dict[str, str]] = {
    "payment_reversed": {
        "es": "{{ marca }}: hola {{ nombre }}, tu pago de {{ monto_pagado }} del {{ fecha_pago }} "
        "fue devuelto o desconocido ante el banco, asi que ya no cuenta. Vuelves a deber "
        "{{ saldo_pendiente }}. Puedes pagar en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your {{ monto_pagado }} payment of {{ fecha_pago }} "
        "was refunded or disputed with the bank, so it no longer counts. You owe "
        "{{ saldo_pendiente }} again. Pay at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu pagamento de {{ monto_pagado }} de "
        "{{ fecha_pago }} foi estornado ou contestado no banco, entao nao conta mais. Voce volta "
        "a dever {{ saldo_pendiente }}. Pague em {{ enlace_pago }}",
    },
    "payment_reversed_debit": {
        "es": "{{ marca }}: hola {{ nombre }}, el cobro automatico de {{ monto_pagado }} del "
        "{{ fecha_pago }} a tu tarjeta {{ tarjeta }} terminada en {{ tarjeta_ultimos }} fue "
        "devuelto. La cuota {{ cuota_numero }} de {{ cuotas_total }} vuelve a estar pendiente y "
        "no la cobraremos de nuevo automaticamente: pagala en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, the {{ monto_pagado }} automatic charge of "
        "{{ fecha_pago }} to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} was "
        "reversed. Instalment {{ cuota_numero }} of {{ cuotas_total }} is pending again and we "
        "will not charge it automatically: pay it at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, a cobranca automatica de {{ monto_pagado }} de "
        "{{ fecha_pago }} no cartao {{ tarjeta }} final {{ tarjeta_ultimos }} foi estornada. A "
        "parcela {{ cuota_numero }} de {{ cuotas_total }} volta a ficar pendente e nao vamos "
        "cobra-la de novo automaticamente: pague em {{ enlace_pago }}",
    },
}

REVERSED_WHATSAPP: dict[str, dict[str, str]] = {
    "payment_reversed": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: tu pago de {{ monto_pagado }} del "
        "{{ fecha_pago }} fue devuelto o desconocido ante el banco, así que ya no cuenta. "
        "Vuelves a deber {{ saldo_pendiente }}.\nPuedes pagar aquí: {{ enlace_pago }}\n"
        "Si necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your {{ monto_pagado }} payment of "
        "{{ fecha_pago }} was refunded or disputed with the bank, so it no longer counts. You "
        "owe {{ saldo_pendiente }} again.\nYou can pay here: {{ enlace_pago }}\n"
        "If you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: seu pagamento de "
        "{{ monto_pagado }} de {{ fecha_pago }} foi estornado ou contestado no banco, então não "
        "conta mais. Você volta a dever {{ saldo_pendiente }}.\nVocê pode pagar aqui: "
        "{{ enlace_pago }}\nSe precisar de ajuda, responda esta mensagem.",
    },
    "payment_reversed_debit": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: el cobro automático de "
        "{{ monto_pagado }} del {{ fecha_pago }} a tu tarjeta {{ tarjeta }} terminada en "
        "{{ tarjeta_ultimos }} fue devuelto. La cuota {{ cuota_numero }} de {{ cuotas_total }} "
        "vuelve a estar pendiente y no la cobraremos de nuevo automáticamente.\nPuedes pagarla "
        "aquí: {{ enlace_pago }}\nSi necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: the {{ monto_pagado }} automatic charge of "
        "{{ fecha_pago }} to your {{ tarjeta }} card ending in {{ tarjeta_ultimos }} was "
        "reversed. Instalment {{ cuota_numero }} of {{ cuotas_total }} is pending again and we "
        "will not charge it automatically.\nYou can pay it here: {{ enlace_pago }}\n"
        "If you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: a cobrança automática de "
        "{{ monto_pagado }} de {{ fecha_pago }} no cartão {{ tarjeta }} final "
        "{{ tarjeta_ultimos }} foi estornada. A parcela {{ cuota_numero }} de "
        "{{ cuotas_total }} volta a ficar pendente e não vamos cobrá-la de novo "
        "automaticamente.\nVocê pode pagá-la aqui: {{ enlace_pago }}\n"
        "Se precisar de ajuda, responda esta mensagem.",
    },
}

REVERSED_EMAIL: dict[str, dict[str, tuple[str, str]]] = {
    "payment_reversed": {
        "es": (
            "{{ marca }}: tu pago del {{ fecha_pago }} fue devuelto",
            "Tu pago de {{ monto_pagado }} del {{ fecha_pago }} fue devuelto o desconocido ante "
            "el banco, así que ya no cuenta para tu saldo. Vuelves a deber "
            "{{ saldo_pendiente }}.\n\nPuedes pagar aquí: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your payment of {{ fecha_pago }} was reversed",
            "Your {{ monto_pagado }} payment of {{ fecha_pago }} was refunded or disputed with "
            "the bank, so it no longer counts toward your balance. You owe "
            "{{ saldo_pendiente }} again.\n\nYou can pay here: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu pagamento de {{ fecha_pago }} foi estornado",
            "Seu pagamento de {{ monto_pagado }} de {{ fecha_pago }} foi estornado ou contestado "
            "no banco, então não conta mais para o seu saldo. Você volta a dever "
            "{{ saldo_pendiente }}.\n\nVocê pode pagar aqui: {{ enlace_pago }}",
        ),
    },
    "payment_reversed_debit": {
        "es": (
            "{{ marca }}: el cobro automático de tu cuota fue devuelto",
            "El cobro automático de {{ monto_pagado }} del {{ fecha_pago }} a tu tarjeta "
            "{{ tarjeta }} terminada en {{ tarjeta_ultimos }} fue devuelto. La cuota "
            "{{ cuota_numero }} de {{ cuotas_total }} de tu plan vuelve a estar pendiente y no la "
            "cobraremos de nuevo automáticamente.\n\nPuedes pagarla aquí: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your instalment's automatic charge was reversed",
            "The {{ monto_pagado }} automatic charge of {{ fecha_pago }} to your {{ tarjeta }} "
            "card ending in {{ tarjeta_ultimos }} was reversed. Instalment {{ cuota_numero }} of "
            "{{ cuotas_total }} of your plan is pending again and we will not charge it "
            "automatically.\n\nYou can pay it here: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: a cobrança automática da sua parcela foi estornada",
            "A cobrança automática de {{ monto_pagado }} de {{ fecha_pago }} no cartão "
            "{{ tarjeta }} final {{ tarjeta_ultimos }} foi estornada. A parcela "
            "{{ cuota_numero }} de {{ cuotas_total }} do seu plano volta a ficar pendente e não "
            "vamos cobrá-la de novo automaticamente.\n\nVocê pode pagá-la aqui: {{ enlace_pago }}",
        ),
    },
}

USTED_REVERSED_SMS: dict[str, str] = {
    "payment_reversed": "{{ marca }}: hola {{ nombre }}, su pago de {{ monto_pagado }} del "
    "{{ fecha_pago }} fue devuelto o desconocido ante el banco, asi que ya no cuenta. Vuelve a "
    "deber {{ saldo_pendiente }}. Puede pagar en {{ enlace_pago }}",
    "payment_reversed_debit": "{{ marca }}: hola {{ nombre }}, el cobro automatico de "
    "{{ monto_pagado }} del {{ fecha_pago }} a su tarjeta {{ tarjeta }} terminada en "
    "{{ tarjeta_ultimos }} fue devuelto. La cuota {{ cuota_numero }} de {{ cuotas_total }} "
    "vuelve a estar pendiente y no la cobraremos de nuevo automaticamente: paguela en "
    "{{ enlace_pago }}",
}

USTED_REVERSED_WHATSAPP: dict[str, str] = {
    "payment_reversed": "Hola {{ nombre }}, le escribimos de {{ marca }}: su pago de "
    "{{ monto_pagado }} del {{ fecha_pago }} fue devuelto o desconocido ante el banco, así que "
    "ya no cuenta. Vuelve a deber {{ saldo_pendiente }}.\nPuede pagar aquí: {{ enlace_pago }}\n"
    "Si necesita ayuda, responda a este mensaje.",
    "payment_reversed_debit": "Hola {{ nombre }}, le escribimos de {{ marca }}: el cobro "
    "automático de {{ monto_pagado }} del {{ fecha_pago }} a su tarjeta {{ tarjeta }} terminada "
    "en {{ tarjeta_ultimos }} fue devuelto. La cuota {{ cuota_numero }} de {{ cuotas_total }} "
    "vuelve a estar pendiente y no la cobraremos de nuevo automáticamente.\nPuede pagarla aquí: "
    "{{ enlace_pago }}\nSi necesita ayuda, responda a este mensaje.",
}

USTED_REVERSED_EMAIL: dict[str, tuple[str, str]] = {
    "payment_reversed": (
        "{{ marca }}: su pago del {{ fecha_pago }} fue devuelto",
        "Su pago de {{ monto_pagado }} del {{ fecha_pago }} fue devuelto o desconocido ante el "
        "banco, así que ya no cuenta para su saldo. Vuelve a deber {{ saldo_pendiente }}.\n\n"
        "Puede pagar aquí: {{ enlace_pago }}",
    ),
    "payment_reversed_debit": (
        "{{ marca }}: el cobro automático de su cuota fue devuelto",
        "El cobro automático de {{ monto_pagado }} del {{ fecha_pago }} a su tarjeta "
        "{{ tarjeta }} terminada en {{ tarjeta_ultimos }} fue devuelto. La cuota "
        "{{ cuota_numero }} de {{ cuotas_total }} de su plan vuelve a estar pendiente y no la "
        "cobraremos de nuevo automáticamente.\n\nPuede pagarla aquí: {{ enlace_pago }}",
    ),
}
