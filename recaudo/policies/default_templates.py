"""The message templates every creditor uses until it writes its own.

"Cobranza amigable": short, respectful, always naming the brand and giving
the payment link; never a threat, never false urgency. B2C texts use "tú"
(es) and "você" (pt); B2B emails use "usted". SMS texts avoid the letters
outside the GSM-7 alphabet (á, í, ó, ú, ã, ç...) so that they stay within two
segments. RCS carries full Unicode in a rich card: it says what WhatsApp says
(``rcs_body``). WhatsApp texts reproduce the templates to submit
to Meta: placeholders only (no tags), never at the start or the end, and
`whatsapp_parameters` lists them in the order of {{1}}, {{2}}...
"""

from __future__ import annotations

import re

from recaudo.channels import WRITTEN_CHANNELS
from recaudo.policies.default_templates_debit import (
    DEBIT_EMAIL,
    DEBIT_KEYS,
    DEBIT_SMS,
    DEBIT_WHATSAPP,
)
from recaudo.policies.default_templates_reversed import (
    REVERSED_EMAIL,
    REVERSED_KEYS,
    REVERSED_SMS,
    REVERSED_WHATSAPP,
)
from recaudo.policies.default_templates_usted import (
    USTED_ALREADY_PAID,
    USTED_EMAIL,
    USTED_PAY,
    USTED_SEVERAL,
    USTED_SIGNATURE,
    USTED_SMS,
    USTED_WHATSAPP,
)

# The payment-flow keys a policy's steps use, with their tone.
STEP_KEYS = {
    "statement": "preventive",
    "reminder_before": "preventive",
    "due_today": "preventive",
    "overdue_early": "early",
    "payment_offer": "early",
    "overdue_late": "late",
    "credit_bureau_notice": "late",
}
# Sent on events (a payment, a promise, a plan), not by policy steps.
EVENT_KEYS = (
    "payment_thanks",
    "promise_reminder",
    "payment_failed",
    "promise_broken",
    "plan_broken",
    "paid_in_full",
    "extension_approved",
    "discount_approved",
    "request_refused",
    "request_closed",
    "report_rejected",
    "plan_agreed",
    *DEBIT_KEYS,  # a direct debit's: default_templates_debit.py
    *REVERSED_KEYS,  # money taken back: default_templates_reversed.py
)
# Notices whose email says everything in its opening (a receipt, a decision):
# no list of debts, which a notice does not carry.
SELF_CONTAINED_EMAILS = (
    "payment_thanks",
    "paid_in_full",
    "extension_approved",
    "discount_approved",
    "request_refused",
    "plan_agreed",
    *DEBIT_KEYS,
    *REVERSED_KEYS,
)
# The short text of a message about several debts ("Tienes 3 facturas pendientes por
# $ 1.250.000..."), for the channels that cannot list them (SMS, RCS, WhatsApp's fixed
# parameters); sent instead of these steps' own texts (delivery/messages.py).
SEVERAL_DEBTS_KEY = "several_debts"
SUMMARISED_KEYS = frozenset(
    {"statement", "reminder_before", "due_today", "overdue_early", "overdue_late"}
)
SEVERAL_DEBTS_CHANNELS = ("whatsapp", "sms", "rcs")
# The same WhatsApp text with the statement of account as its document header (and
# the statement's quick replies): sent instead of ``several_debts`` where the step's
# own WhatsApp template attaches the statement. Another template for Meta, as a
# document header makes it one.
SEVERAL_DEBTS_STATEMENT_KEY = "several_debts_statement"
# Notices where "if you already paid, ignore this" makes no sense.
NO_ALREADY_PAID = (
    "payment_failed",
    "request_closed",
    "report_rejected",
    *DEBIT_KEYS,
    *REVERSED_KEYS,
)
B2B_KEYS = (
    "b2b_statement",
    "b2b_reminder_before",
    "b2b_due_today",
    "b2b_overdue",
    "b2b_credit_bureau_notice",
)
B2B_TONES = {"b2b_overdue": "early", "b2b_credit_bureau_notice": "late"}
# Messages that carry the statement of account (payments/statement.py): the
# email attaches the PDF; the WhatsApp template shows it as its document header
# and offers the quick replies Pagar, Hablar con un asesor, Ya pagué, whose
# payloads the bot understands as they are (conversations/choices.py).
WITH_STATEMENT = ("statement", "b2b_statement", "b2b_overdue", SEVERAL_DEBTS_STATEMENT_KEY)
STATEMENT_QUICK_REPLIES = ["pay", "agent", "paid"]
# Approved with Meta under its own name: a document header and buttons make it
# another template than the text-only one.
WHATSAPP_NAMES = {
    "statement": "recaudo_statement_document",
    SEVERAL_DEBTS_STATEMENT_KEY: "recaudo_several_debts_statement_document",
}
LANGUAGES = ("es", "en", "pt")
WHATSAPP_LANGUAGE = {"es": "es", "en": "en", "pt": "pt_BR"}

_SMS: dict[str, dict[str, str]] = {
    # The notice the law asks for before a credit-bureau report (docs/compliance.md).
    "credit_bureau_notice": {
        "es": "{{ marca }}: {{ nombre }}, tu saldo de {{ total }} vencido el {{ vence }} sigue "
        "pendiente. Si no se paga, podra reportarse a las centrales de riesgo, no antes de 20 "
        "dias desde este aviso. Paga o elige un plan: {{ enlace_pago }}",
        "en": "{{ marca }}: {{ nombre }}, your balance of {{ total }} due {{ vence }} is still "
        "open. If unpaid, it may be reported to the credit bureaus no sooner than 20 days after "
        "this notice. Pay or choose a plan: {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: {{ nombre }}, seu saldo de {{ total }} vencido em {{ vence }} segue "
        "em aberto. Sem pagamento, podera ser registrado nos cadastros de inadimplentes, no "
        "minimo 20 dias apos este aviso. Pague ou escolha um plano: {{ enlace_pago }}",
    },
    "statement": {
        "es": "{{ marca }}: hola {{ nombre }}, ya tienes tu nueva factura por {{ total }}, con "
        "vencimiento el {{ vence }}. Puedes verla y pagarla en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your new bill for {{ total }} is ready, due on "
        "{{ vence }}. View and pay it at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, sua nova fatura de {{ total }} vence em {{ vence }}. "
        "Veja e pague em {{ enlace_pago }}",
    },
    "reminder_before": {
        "es": "{{ marca }}: hola {{ nombre }}, te recordamos que tu pago de {{ total }} vence el "
        "{{ vence }}. Puedes pagar en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, a friendly reminder that your payment of {{ total }} "
        "is due on {{ vence }}. Pay at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, lembramos que seu pagamento de {{ total }} vence em "
        "{{ vence }}. Pague em {{ enlace_pago }}",
    },
    "due_today": {
        "es": "{{ marca }}: hola {{ nombre }}, hoy vence tu pago de {{ total }}. Puedes pagar en "
        "{{ enlace_pago }} Si ya pagaste, gracias.",
        "en": "{{ marca }}: Hi {{ nombre }}, your payment of {{ total }} is due today. Pay at "
        "{{ enlace_pago }} If you already paid, thank you. Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, hoje vence seu pagamento de {{ total }}. Pague em "
        "{{ enlace_pago }} Caso tenha pago, obrigado.",
    },
    "overdue_early": {
        "es": "{{ marca }}: hola {{ nombre }}, no hemos recibido tu pago de {{ total }} con "
        "vencimiento el {{ vence }}. Puedes pagar en {{ enlace_pago }} Si ya lo hiciste, gracias.",
        "en": "{{ marca }}: Hi {{ nombre }}, we haven't received your payment of {{ total }} due "
        "on {{ vence }}. Pay at {{ enlace_pago }} If you already paid, thank you. "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu pagamento de {{ total }} com vencimento em "
        "{{ vence }} segue em aberto. Pague em {{ enlace_pago }} Caso tenha pago, obrigado.",
    },
    "payment_offer": {
        "es": "{{ marca }}: hola {{ nombre }}, si te queda mejor, puedes pagar tu saldo de "
        "{{ saldo }} en cuotas o elegir una fecha de pago en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, if it helps, you can pay your balance of {{ saldo }} "
        "in instalments or pick a payment date at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, se preferir, pague seu saldo de "
        "{{ saldo }} em parcelas ou escolha uma data de pagamento em {{ enlace_pago }}",
    },
    "overdue_late": {
        "es": "{{ marca }}: hola {{ nombre }}, tu pago de {{ total }} sigue pendiente desde el "
        "{{ vence }}. Queremos ayudarte: paga o elige un plan en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your payment of {{ total }} has been open since "
        "{{ vence }}. We're here to help: pay or choose a plan at {{ enlace_pago }} "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu pagamento de {{ total }} segue em aberto desde "
        "{{ vence }}. Queremos ajudar: pague ou escolha um plano em {{ enlace_pago }}",
    },
    "payment_thanks": {
        "es": "{{ marca }}: hola {{ nombre }}, recibimos tu pago de {{ monto_pagado }} del "
        "{{ fecha_pago }} (ref. {{ referencia_pago }}). Saldo pendiente: {{ saldo_pendiente }}. "
        "¡Muchas gracias!",
        "en": "{{ marca }}: Thank you, {{ nombre }}. We received your payment of "
        "{{ monto_pagado }} on {{ fecha_pago }} (ref. {{ referencia_pago }}). Remaining balance: "
        "{{ saldo_pendiente }}.",
        "pt": "{{ marca }}: obrigado, {{ nombre }}. Recebemos seu pagamento de {{ monto_pagado }} "
        "em {{ fecha_pago }} (ref. {{ referencia_pago }}). Saldo em aberto: {{ saldo_pendiente }}.",
    },
    "paid_in_full": {
        "es": "{{ marca }}: hola {{ nombre }}, recibimos tu pago de {{ monto_pagado }} del "
        "{{ fecha_pago }} (ref. {{ referencia_pago }}) y ya no tienes saldo pendiente. Tu paz y "
        "salvo: {{ enlace_paz_y_salvo }} ¡Gracias!",
        "en": "{{ marca }}: Thank you, {{ nombre }}. We received your payment of "
        "{{ monto_pagado }} on {{ fecha_pago }} (ref. {{ referencia_pago }}) and you owe nothing "
        "more. Your certificate: {{ enlace_paz_y_salvo }}",
        "pt": "{{ marca }}: obrigado, {{ nombre }}. Recebemos seu pagamento de {{ monto_pagado }} "
        "em {{ fecha_pago }} (ref. {{ referencia_pago }}) e sua conta foi quitada. Seu "
        "certificado: {{ enlace_paz_y_salvo }}",
    },
    "extension_approved": {
        "es": "{{ marca }}: hola {{ nombre }}, aprobamos tu nueva fecha de pago: "
        "{{ nueva_fecha }}. Puedes pagar {{ saldo_pendiente }} en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your new payment date is approved: "
        "{{ nueva_fecha }}. You can pay {{ saldo_pendiente }} at {{ enlace_pago }} Reply STOP to "
        "opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, aprovamos sua nova data de pagamento: "
        "{{ nueva_fecha }}. Pague {{ saldo_pendiente }} em {{ enlace_pago }}",
    },
    "discount_approved": {
        "es": "{{ marca }}: hola {{ nombre }}, aprobamos tu descuento: con un pago de "
        "{{ monto_acordado }} saldas tu deuda de {{ saldo_pendiente }}. Paga en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your discount is approved: a payment of "
        "{{ monto_acordado }} settles your balance of {{ saldo_pendiente }}. Pay at "
        "{{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, aprovamos seu desconto: um pagamento de "
        "{{ monto_acordado }} quita seu saldo de {{ saldo_pendiente }}. Pague em {{ enlace_pago }}",
    },
    "request_refused": {
        "es": "{{ marca }}: hola {{ nombre }}, revisamos tu solicitud y esta vez no pudimos "
        "aprobarla. Tu saldo es {{ saldo_pendiente }}; puedes pagar o elegir un plan en "
        "{{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, we reviewed your request and could not approve it "
        "this time. Your balance is {{ saldo_pendiente }}; pay or choose a plan at "
        "{{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu pedido foi analisado e desta vez foi recusado. "
        "Saldo: {{ saldo_pendiente }}. Pague ou escolha um plano em {{ enlace_pago }}",
    },
    "promise_reminder": {
        "es": "{{ marca }}: hola {{ nombre }}, te recordamos el pago de {{ monto_promesa }} que "
        "acordamos para el {{ fecha_promesa }}. Puedes pagar en {{ enlace_pago }} ¡Gracias!",
        "en": "{{ marca }}: Hi {{ nombre }}, a reminder of the {{ monto_promesa }} payment we "
        "agreed for {{ fecha_promesa }}. Pay at {{ enlace_pago }} Thank you! "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, lembramos o pagamento de {{ monto_promesa }} "
        "combinado para {{ fecha_promesa }}. Pague em {{ enlace_pago }} Obrigado!",
    },
    "payment_failed": {
        "es": "{{ marca }}: hola {{ nombre }}, tu pago por internet no pudo completarse. Puedes "
        "intentarlo de nuevo, con el mismo medio u otro, en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your online payment could not be completed. You can "
        "try again, with the same method or another, at {{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, houve um problema com seu pagamento online. Tente "
        "de novo, com o mesmo meio ou outro, em {{ enlace_pago }}",
    },
    "promise_broken": {
        "es": "{{ marca }}: hola {{ nombre }}, no hemos visto el pago de {{ monto_promesa }} que "
        "acordamos para el {{ fecha_promesa }}. Si necesitas otra fecha, puedes elegirla en "
        "{{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, we haven't seen the {{ monto_promesa }} payment we "
        "agreed for {{ fecha_promesa }}. If you need another date, pick one at {{ enlace_pago }} "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, o pagamento de {{ monto_promesa }} combinado para "
        "{{ fecha_promesa }} segue em aberto. Se precisar de outra data, escolha em "
        "{{ enlace_pago }}",
    },
    "plan_broken": {
        "es": "{{ marca }}: hola {{ nombre }}, no recibimos una cuota de tu plan de pagos, por eso "
        "el plan se dio por terminado. Tu saldo es {{ saldo }}. Paga o arma un nuevo plan en "
        "{{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, we didn't receive an instalment of your payment "
        "plan, so the plan has ended. Your balance is {{ saldo }}. Pay or set up a new plan at "
        "{{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, uma parcela do seu plano de pagamento ficou em "
        "aberto e o plano foi encerrado. Seu saldo: {{ saldo }}. Pague ou monte um novo plano em "
        "{{ enlace_pago }}",
    },
    "request_closed": {
        "es": "{{ marca }}: hola {{ nombre }}, como acordamos tu plan de cuotas, cerramos tu "
        "pedido de descuento o de nueva fecha: el plan lo reemplaza. Tus cuotas: {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, since we agreed your payment plan, we closed your "
        "request for a discount or a new date: the plan replaces it. Your instalments: "
        "{{ enlace_pago }} Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, como combinamos seu plano de parcelas, encerramos "
        "seu pedido de desconto ou de nova data: o plano o substitui. Parcelas: {{ enlace_pago }}",
    },
    "report_rejected": {
        "es": "{{ marca }}: hola {{ nombre }}, revisamos el pago que nos informaste y no lo "
        "encontramos. Si tienes otro comprobante, responde a este mensaje. "
        "Pagar: {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, we checked the payment you told us about and could "
        "not find it. If you have another receipt, reply to this message. Pay: {{ enlace_pago }} "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, verificamos o pagamento que voce informou e nao o "
        "encontramos. Se tiver outro comprovante, responda. Pagar: {{ enlace_pago }}",
    },
    "plan_agreed": {
        "es": "{{ marca }}: hola {{ nombre }}, acordamos tu plan de pagos. Primera cuota: "
        "{{ primera_cuota }}. Ve todas tus cuotas y paga en {{ enlace_pago }}",
        "en": "{{ marca }}: Hi {{ nombre }}, your payment plan is agreed. First instalment: "
        "{{ primera_cuota }}. See all your instalments and pay at {{ enlace_pago }} "
        "Reply STOP to opt out.",
        "pt": "{{ marca }}: oi {{ nombre }}, seu plano de pagamento foi combinado. Primeira "
        "parcela: {{ primera_cuota }}. Veja todas as parcelas e pague em {{ enlace_pago }}",
    },
}

_SMS[SEVERAL_DEBTS_KEY] = {
    "es": "{{ marca }}: hola {{ nombre }}, tienes {{ cantidad }} facturas pendientes por "
    "{{ total }}, la primera con vencimiento el {{ vence }}. Paga o elige un plan en "
    "{{ enlace_pago }}",
    "en": "{{ marca }}: Hi {{ nombre }}, you have {{ cantidad }} open bills for {{ total }}, the "
    "first one due on {{ vence }}. Pay or choose a plan at {{ enlace_pago }} Reply STOP to opt "
    "out.",
    "pt": "{{ marca }}: oi {{ nombre }}, suas {{ cantidad }} faturas em aberto somam {{ total }}, "
    "a primeira com vencimento em {{ vence }}. Pague ou escolha um plano em {{ enlace_pago }}",
}

_WHATSAPP: dict[str, dict[str, str]] = {
    SEVERAL_DEBTS_KEY: {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Tienes {{ cantidad }} facturas "
        "pendientes por {{ total }}, la primera con vencimiento el {{ vence }}.\nPuedes ver el "
        "detalle y pagar o elegir un plan aquí: {{ enlace_pago }}\nSi ya pagaste, ¡gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. You have {{ cantidad }} open bills for "
        "{{ total }}, the first one due on {{ vence }}.\nSee the details and pay or choose a "
        "plan here: {{ enlace_pago }}\nIf you already paid, thank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Você tem {{ cantidad }} faturas "
        "em aberto no total de {{ total }}, a primeira com vencimento em {{ vence }}.\nVeja o "
        "detalhe e pague ou escolha um plano aqui: {{ enlace_pago }}\nSe você já pagou, "
        "obrigado!",
    },
    "credit_bureau_notice": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Tu saldo de {{ total }}, vencido "
        "el {{ vence }}, sigue pendiente. Te avisamos con tiempo: si no se paga, podrá "
        "reportarse a las centrales de riesgo, no antes de 20 días desde este aviso. Puedes "
        "pagar o elegir un plan aquí: {{ enlace_pago }}\nSi ya pagaste o algo no cuadra, "
        "responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your balance of {{ total }}, due "
        "{{ vence }}, is still open. We're letting you know in advance: if it stays unpaid, it "
        "may be reported to the credit bureaus no sooner than 20 days after this notice. You can "
        "pay or choose a plan here: {{ enlace_pago }}\nIf you already paid or something doesn't "
        "look right, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Seu saldo de {{ total }}, "
        "vencido em {{ vence }}, segue em aberto. Avisamos com antecedência: sem pagamento, ele "
        "poderá ser registrado nos cadastros de inadimplentes, no mínimo 20 dias após este "
        "aviso. Você pode pagar ou escolher um plano aqui: {{ enlace_pago }}\nSe já pagou ou "
        "algo não estiver certo, responda esta mensagem.",
    },
    "statement": {
        "es": "Hola {{ nombre }}, te saluda {{ marca }}. Tu nueva factura por {{ total }} ya está "
        "disponible y vence el {{ vence }}.\nPuedes verla y pagarla aquí: {{ enlace_pago }}\n"
        "¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your new bill for {{ total }} is ready and "
        "due on {{ vence }}.\nYou can view and pay it here: {{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Sua nova fatura de {{ total }} já está "
        "disponível e vence em {{ vence }}.\nVeja e pague aqui: {{ enlace_pago }}\nObrigado!",
    },
    "reminder_before": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }} para recordarte que tu pago de "
        "{{ total }} vence el {{ vence }}.\nPuedes pagar aquí: {{ enlace_pago }}\n"
        "Si ya pagaste, ¡gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }} with a friendly reminder: your payment of "
        "{{ total }} is due on {{ vence }}.\nYou can pay here: {{ enlace_pago }}\n"
        "If you already paid, thank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}"
        ", para lembrar que seu pagamento de "
        "{{ total }} vence em {{ vence }}.\nPague aqui: {{ enlace_pago }}\n"
        "Se você já pagou, obrigado!",
    },
    "due_today": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: hoy vence tu pago de {{ total }}."
        "\nPuedes pagar en un par de minutos aquí: {{ enlace_pago }}\nSi ya pagaste, ¡gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your payment of {{ total }} is due today.\n"
        "It only takes a couple of minutes here: {{ enlace_pago }}\n"
        "If you already paid, thank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: "
        "hoje vence seu pagamento de {{ total }}.\n"
        "Leva só alguns minutos: {{ enlace_pago }}\nSe você já pagou, obrigado!",
    },
    "overdue_early": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. No hemos recibido tu pago de "
        "{{ total }}, que vencía el {{ vence }}; a veces la fecha se pasa.\nPuedes pagar aquí: "
        "{{ enlace_pago }}\nSi ya pagaste, ¡gracias! y no tengas en cuenta este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We haven't received your payment of "
        "{{ total }}, which was due on {{ vence }}; dates slip sometimes.\nYou can pay here: "
        "{{ enlace_pago }}\nIf you already paid, thank you, and please ignore this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Ainda não recebemos seu pagamento de "
        "{{ total }}, que venceu em {{ vence }}; às vezes a data passa.\nPague aqui: "
        "{{ enlace_pago }}\nSe você já pagou, obrigado, e desconsidere esta mensagem.",
    },
    "payment_offer": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Queremos ayudarte con tu saldo de "
        "{{ saldo }}: desde este enlace puedes pagarlo en cuotas o elegir la fecha que mejor te "
        "quede: {{ enlace_pago }}\nSi tienes preguntas, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We'd like to help with your balance of "
        "{{ saldo }}: from this link you can pay in instalments or choose the date that suits "
        "you: {{ enlace_pago }}\nIf you have questions, just reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Queremos ajudar com seu saldo de "
        "{{ saldo }}: por este link você pode parcelar ou escolher a data que for melhor: "
        "{{ enlace_pago }}\nSe tiver dúvidas, responda esta mensagem.",
    },
    "overdue_late": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Tu pago de {{ total }} sigue "
        "pendiente desde el {{ vence }} y queremos ayudarte a resolverlo: puedes pagar o elegir "
        "un plan aquí: {{ enlace_pago }}\nSi algo no cuadra, responde a este mensaje y lo "
        "revisamos.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your payment of {{ total }} has been open "
        "since {{ vence }} and we'd like to help you settle it: you can pay or choose a plan "
        "here: {{ enlace_pago }}\nIf something doesn't look right, reply and we'll check it.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Seu pagamento de {{ total }} está em aberto "
        "desde {{ vence }} e queremos ajudar a resolver: você pode pagar ou escolher um plano "
        "aqui: {{ enlace_pago }}\nSe algo não estiver certo, responda e verificamos.",
    },
    "payment_thanks": {
        "es": "¡Gracias, {{ nombre }}! En {{ marca }} recibimos tu pago de {{ monto_pagado }} del "
        "{{ fecha_pago }} (referencia {{ referencia_pago }}). Tu saldo pendiente es "
        "{{ saldo_pendiente }}. Que tengas un buen día.",
        "en": "Thank you, {{ nombre }}! {{ marca }} has received your payment of "
        "{{ monto_pagado }} on {{ fecha_pago }} (reference {{ referencia_pago }}). Your remaining "
        "balance is {{ saldo_pendiente }}. Have a great day.",
        "pt": "Obrigado, {{ nombre }}! Recebemos seu pagamento de {{ monto_pagado }} em "
        "{{ fecha_pago }} (referência {{ referencia_pago }}). Seu saldo em aberto é "
        "{{ saldo_pendiente }}. Um abraço da equipe {{ marca }}.",
    },
    "paid_in_full": {
        "es": "¡Gracias, {{ nombre }}! En {{ marca }} recibimos tu pago de {{ monto_pagado }} del "
        "{{ fecha_pago }} (referencia {{ referencia_pago }}) y ya no tienes saldo pendiente. "
        "Descarga tu paz y salvo aquí: {{ enlace_paz_y_salvo }}\nQue tengas un buen día.",
        "en": "Thank you, {{ nombre }}! {{ marca }} has received your payment of "
        "{{ monto_pagado }} on {{ fecha_pago }} (reference {{ referencia_pago }}) and you owe "
        "nothing more. Download your certificate of payment in full here: "
        "{{ enlace_paz_y_salvo }}\nHave a great day.",
        "pt": "Obrigado, {{ nombre }}! Recebemos seu pagamento de {{ monto_pagado }} em "
        "{{ fecha_pago }} (referência {{ referencia_pago }}) e sua conta está quitada. Baixe seu "
        "termo de quitação aqui: {{ enlace_paz_y_salvo }}\nUm abraço da equipe {{ marca }}.",
    },
    "extension_approved": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Aprobamos tu nueva fecha de pago: "
        "{{ nueva_fecha }}. Cuando quieras, puedes pagar {{ saldo_pendiente }} aquí: "
        "{{ enlace_pago }}\n¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your new payment date is approved: "
        "{{ nueva_fecha }}. Whenever you're ready, you can pay {{ saldo_pendiente }} here: "
        "{{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Aprovamos sua nova data de "
        "pagamento: {{ nueva_fecha }}. Quando quiser, você pode pagar {{ saldo_pendiente }} aqui: "
        "{{ enlace_pago }}\nObrigado!",
    },
    "discount_approved": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Aprobamos tu descuento: con un "
        "pago de {{ monto_acordado }} saldas tu deuda de {{ saldo_pendiente }}. Puedes pagar "
        "aquí: {{ enlace_pago }}\n¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your discount is approved: a payment of "
        "{{ monto_acordado }} settles your balance of {{ saldo_pendiente }}. You can pay here: "
        "{{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Aprovamos seu desconto: um "
        "pagamento de {{ monto_acordado }} quita seu saldo de {{ saldo_pendiente }}. Você pode "
        "pagar aqui: {{ enlace_pago }}\nObrigado!",
    },
    "request_refused": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Revisamos tu solicitud y esta vez "
        "no pudimos aprobarla. Tu saldo es {{ saldo_pendiente }}: puedes pagarlo o elegir un plan "
        "aquí: {{ enlace_pago }}\nSi quieres conversarlo, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We reviewed your request and could not "
        "approve it this time. Your balance is {{ saldo_pendiente }}: you can pay it or choose a "
        "plan here: {{ enlace_pago }}\nIf you'd like to talk it over, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Analisamos seu pedido e desta vez "
        "não foi possível aprová-lo. Seu saldo é {{ saldo_pendiente }}: você pode pagar ou "
        "escolher um plano aqui: {{ enlace_pago }}\nSe quiser conversar, responda esta mensagem.",
    },
    "promise_reminder": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }} para recordarte el pago de "
        "{{ monto_promesa }} que acordamos para el {{ fecha_promesa }}.\nPuedes pagar aquí: "
        "{{ enlace_pago }}\n¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }} with a reminder of the {{ monto_promesa }} "
        "payment we agreed for {{ fecha_promesa }}.\nYou can pay here: {{ enlace_pago }}\n"
        "Thank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}"
        ", para lembrar o pagamento de "
        "{{ monto_promesa }} combinado para {{ fecha_promesa }}.\nPague aqui: {{ enlace_pago }}\n"
        "Obrigado!",
    },
    "payment_failed": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}: tu pago en línea no se pudo "
        "completar. Puedes intentarlo de nuevo, con el mismo medio u otro, aquí: "
        "{{ enlace_pago }}\nSi necesitas ayuda, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}: your online payment could not be completed. "
        "You can try again, with the same method or another, here: {{ enlace_pago }}\n"
        "If you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}: "
        "seu pagamento online não foi concluído. "
        "Você pode tentar de novo, com o mesmo meio ou outro, aqui: {{ enlace_pago }}\n"
        "Se precisar de ajuda, responda esta mensagem.",
    },
    "promise_broken": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. No hemos recibido el pago de "
        "{{ monto_promesa }} que acordamos para el {{ fecha_promesa }}. Si necesitas otra fecha "
        "u otra forma de pago, puedes elegirla aquí: {{ enlace_pago }}\nSi ya pagaste, ¡gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We haven't received the {{ monto_promesa }} "
        "payment we agreed for {{ fecha_promesa }}. If you need another date or another way to "
        "pay, you can choose it here: {{ enlace_pago }}\nIf you already paid, thank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Ainda não recebemos o pagamento de "
        "{{ monto_promesa }} combinado para {{ fecha_promesa }}. Se precisar de outra data ou "
        "forma de pagamento, escolha aqui: {{ enlace_pago }}\nSe você já pagou, obrigado!",
    },
    "plan_broken": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. No recibimos una cuota de tu plan "
        "de pagos, así que el plan se dio por terminado. Tu saldo es de {{ saldo }}. Puedes pagar "
        "o armar un nuevo plan aquí: {{ enlace_pago }}\nSi necesitas ayuda, responde a este "
        "mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We didn't receive an instalment of your "
        "payment plan, so the plan has ended. Your balance is {{ saldo }}. You can pay or set up "
        "a new plan here: {{ enlace_pago }}\nIf you need help, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. "
        "Uma parcela do seu plano de pagamento "
        "não foi paga, e o plano foi encerrado. Seu saldo é de {{ saldo }}. Você pode pagar ou "
        "montar um novo plano aqui: {{ enlace_pago }}\nSe precisar de ajuda, responda esta "
        "mensagem.",
    },
    "request_closed": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Como acordamos tu plan de cuotas, "
        "cerramos tu pedido de descuento o de nueva fecha: el plan lo reemplaza.\nPuedes ver tus "
        "cuotas aquí: {{ enlace_pago }}\nSi tienes preguntas, responde a este mensaje.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Since we agreed your payment plan, we closed "
        "your request for a discount or a new date: the plan replaces it.\nYou can see your "
        "instalments here: {{ enlace_pago }}\nIf you have questions, reply to this message.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Como combinamos seu plano de "
        "parcelas, encerramos seu pedido de desconto ou de nova data: o plano o substitui.\n"
        "Veja suas parcelas aqui: {{ enlace_pago }}\nSe tiver dúvidas, responda esta mensagem.",
    },
    "report_rejected": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Revisamos el pago que nos "
        "informaste y no lo encontramos, así que tu saldo de {{ saldo }} sigue pendiente.\n"
        "Si tienes otro comprobante, responde a este mensaje y lo revisamos. También puedes "
        "pagar aquí: {{ enlace_pago }}\nGracias.",
        "en": "Hi {{ nombre }}, this is {{ marca }}. We checked the payment you told us about "
        "and could not find it, so your balance of {{ saldo }} is still open.\nIf you have "
        "another receipt, reply to this message and we'll check it. You can also pay here: "
        "{{ enlace_pago }}\nThank you.",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Verificamos o pagamento que "
        "você informou e não o encontramos, então seu saldo de {{ saldo }} segue em aberto.\n"
        "Se tiver outro comprovante, responda esta mensagem e verificamos. Você também pode "
        "pagar aqui: {{ enlace_pago }}\nObrigado.",
    },
    "plan_agreed": {
        "es": "Hola {{ nombre }}, te escribimos de {{ marca }}. Tu plan de pagos quedó acordado. "
        "Tus cuotas:\n{{ cuotas }}\nPuedes ver y pagar cada cuota aquí: {{ enlace_pago }}\n"
        "¡Gracias!",
        "en": "Hi {{ nombre }}, this is {{ marca }}. Your payment plan is agreed. Your "
        "instalments:\n{{ cuotas }}\nYou can see and pay each instalment here: "
        "{{ enlace_pago }}\nThank you!",
        "pt": "Olá, {{ nombre }}! Aqui é da equipe {{ marca }}. Seu plano de pagamento foi "
        "combinado. Suas parcelas:\n{{ cuotas }}\nVocê pode ver e pagar cada parcela aqui: "
        "{{ enlace_pago }}\nObrigado!",
    },
}

# Email: (subject, opening paragraph); the greeting, the list of debts, the
# link and the signature are added around it.
_EMAIL: dict[str, dict[str, tuple[str, str]]] = {
    "credit_bureau_notice": {
        "es": (
            "{{ marca }}: aviso previo de reporte a centrales de riesgo",
            "Tu saldo sigue pendiente desde el {{ vence }}. Te avisamos con tiempo, como pide la "
            "ley: si no se paga, podrá reportarse a las centrales de riesgo, no antes de 20 días "
            "desde este aviso. Desde el enlace puedes pagar o elegir un plan de pagos; si no "
            "estás de acuerdo con la deuda, respóndenos y lo revisamos.",
        ),
        "en": (
            "{{ marca }}: notice before a credit bureau report",
            "Your balance has been open since {{ vence }}. As the law asks, we're letting you know "
            "in advance: if it stays unpaid, it may be reported to the credit bureaus no sooner "
            "than 20 days after this notice. From the link you can pay or choose a payment plan; "
            "if you disagree with the debt, reply and we'll review it.",
        ),
        "pt": (
            "{{ marca }}: aviso prévio de registro em cadastro de inadimplentes",
            "Seu saldo está em aberto desde {{ vence }}. Como pede a lei, avisamos por escrito "
            "com antecedência: sem pagamento, ele poderá ser registrado nos cadastros de "
            "inadimplentes, no mínimo 20 dias após este aviso. Pelo link você pode pagar ou "
            "escolher um plano de pagamento; se não concordar com a dívida, responda e "
            "verificamos.",
        ),
    },
    "b2b_credit_bureau_notice": {
        "es": (
            "{{ marca }}: aviso previo de reporte a centrales de riesgo",
            "Según nuestros registros, el pago de los siguientes documentos está pendiente desde "
            "el {{ vence }}. Le informamos con anticipación, como pide la ley, que de no pagarse "
            "podrán reportarse a las centrales de riesgo, no antes de 20 días desde este aviso. "
            "Si el pago ya fue realizado o no está de acuerdo, le agradecemos escribirnos.",
        ),
        "en": (
            "{{ marca }}: notice before a credit bureau report",
            "According to our records, payment of the following has been pending since "
            "{{ vence }}. As the law requires, we inform you in advance that if it remains unpaid "
            "it may be reported to the credit bureaus no sooner than 20 days after this notice. "
            "If payment has been made or you disagree, please write to us.",
        ),
        "pt": (
            "{{ marca }}: aviso prévio de registro em cadastro de inadimplentes",
            "Segundo nossos registros, o pagamento dos seguintes documentos está pendente desde "
            "{{ vence }}. Como pede a lei, informamos por escrito com antecedência que, sem "
            "pagamento, eles poderão ser registrados nos cadastros de inadimplentes, no mínimo "
            "20 dias após este aviso. Caso o pagamento já tenha sido feito ou não concorde, "
            "pedimos que nos escreva.",
        ),
    },
    "statement": {
        "es": (
            "Tu factura de {{ marca }} por {{ total }}",
            "Ya está disponible tu nueva factura, con vencimiento el {{ vence }}. Este es el "
            "detalle:",
        ),
        "en": (
            "Your {{ marca }} bill for {{ total }}",
            "Your new bill is ready, due on {{ vence }}. Here are the details:",
        ),
        "pt": (
            "Sua fatura {{ marca }} de {{ total }}",
            "Sua nova fatura já está disponível, com vencimento em {{ vence }}. Veja o detalhe:",
        ),
    },
    "reminder_before": {
        "es": (
            "Recordatorio: tu pago a {{ marca }} vence el {{ vence }}",
            "Te recordamos que tu pago vence el {{ vence }}. Este es el detalle:",
        ),
        "en": (
            "Reminder: your {{ marca }} payment is due on {{ vence }}",
            "A friendly reminder that your payment is due on {{ vence }}. Here are the details:",
        ),
        "pt": (
            "{{ marca }}: lembrete, seu pagamento vence em {{ vence }}",
            "Lembramos que seu pagamento vence em {{ vence }}. Veja o detalhe:",
        ),
    },
    "due_today": {
        "es": (
            "Hoy vence tu pago a {{ marca }}",
            "Hoy vence tu pago de {{ total }}. Pagar en línea toma un par de minutos:",
        ),
        "en": (
            "Your {{ marca }} payment is due today",
            "Your payment of {{ total }} is due today. Paying online takes a couple of minutes:",
        ),
        "pt": (
            "{{ marca }}: hoje vence seu pagamento",
            "Hoje vence seu pagamento de {{ total }}. Pagar online leva só alguns minutos:",
        ),
    },
    "overdue_early": {
        "es": (
            "Tu pago a {{ marca }} está pendiente",
            "No hemos recibido tu pago, que vencía el {{ vence }}. Sabemos que a veces la fecha "
            "se pasa; aquí tienes el detalle:",
        ),
        "en": (
            "Your {{ marca }} payment is pending",
            "We haven't received your payment, which was due on {{ vence }}. We know dates slip "
            "sometimes; here are the details:",
        ),
        "pt": (
            "{{ marca }}: seu pagamento está pendente",
            "Ainda não recebemos seu pagamento, que venceu em {{ vence }}. Sabemos que às vezes "
            "a data passa; veja o detalhe:",
        ),
    },
    "payment_offer": {
        "es": (
            "Opciones para ponerte al día con {{ marca }}",
            "Queremos ayudarte con tu saldo pendiente de {{ saldo }}. Desde el enlace de pago "
            "puedes pagarlo en cuotas o elegir la fecha que mejor te quede.",
        ),
        "en": (
            "Options to catch up with {{ marca }}",
            "We'd like to help with your balance of {{ saldo }}. From the payment link you can "
            "pay in instalments or choose the date that suits you best.",
        ),
        "pt": (
            "{{ marca }}: opções para ficar em dia",
            "Queremos ajudar com seu saldo em aberto de {{ saldo }}. Pelo link de pagamento você "
            "pode parcelar ou escolher a data que for melhor.",
        ),
    },
    "overdue_late": {
        "es": (
            "Tu saldo con {{ marca }} sigue pendiente",
            "Tu saldo sigue pendiente desde el {{ vence }} y queremos ayudarte a resolverlo: "
            "desde el enlace puedes pagar o elegir un plan de pagos. Si algo no cuadra o estás "
            "pasando por un momento difícil, respóndenos y buscamos juntos una solución.",
        ),
        "en": (
            "Your {{ marca }} balance is still open",
            "Your balance has been open since {{ vence }} and we'd like to help you settle it: "
            "from the link you can pay or choose a payment plan. If something doesn't look right "
            "or you're going through a hard time, reply and we'll find a solution together.",
        ),
        "pt": (
            "{{ marca }}: seu saldo segue em aberto",
            "Seu saldo está em aberto desde {{ vence }} e queremos ajudar a resolver: pelo link "
            "você pode pagar ou escolher um plano de pagamento. Se algo não estiver certo ou se "
            "você estiver passando por um momento difícil, responda e buscamos juntos uma solução.",
        ),
    },
    "payment_thanks": {
        "es": (
            "Gracias por tu pago a {{ marca }}",
            "Recibimos tu pago. Este es tu recibo:\n\nMonto: {{ monto_pagado }}\nFecha: "
            "{{ fecha_pago }}\nReferencia: {{ referencia_pago }}\nSaldo pendiente: "
            "{{ saldo_pendiente }}\n\nPuedes ver tu cuenta en {{ enlace_pago }}",
        ),
        "en": (
            "Thank you for your payment to {{ marca }}",
            "We received your payment. Here is your receipt:\n\nAmount: {{ monto_pagado }}\nDate: "
            "{{ fecha_pago }}\nReference: {{ referencia_pago }}\nRemaining balance: "
            "{{ saldo_pendiente }}\n\nYou can see your account at {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: obrigado pelo seu pagamento",
            "Recebemos seu pagamento. Este é o seu recibo:\n\nValor: {{ monto_pagado }}\nData: "
            "{{ fecha_pago }}\nReferência: {{ referencia_pago }}\nSaldo em aberto: "
            "{{ saldo_pendiente }}\n\nVeja sua conta em {{ enlace_pago }}",
        ),
    },
    "paid_in_full": {
        "es": (
            "Estás a paz y salvo con {{ marca }}",
            "Recibimos tu pago y ya no tienes saldo pendiente. Este es tu recibo:\n\nMonto: "
            "{{ monto_pagado }}\nFecha: {{ fecha_pago }}\nReferencia: {{ referencia_pago }}\n\nTu "
            "certificado de paz y salvo (PDF): {{ enlace_paz_y_salvo }}\n\nPuedes ver tu cuenta "
            "en {{ enlace_pago }}",
        ),
        "en": (
            "You're all paid up with {{ marca }}",
            "We received your payment and you owe nothing more. Here is your receipt:\n\nAmount: "
            "{{ monto_pagado }}\nDate: {{ fecha_pago }}\nReference: {{ referencia_pago }}\n\nYour "
            "certificate of payment in full (PDF): {{ enlace_paz_y_salvo }}\n\nYou can see your "
            "account at {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: sua conta está quitada",
            "Recebemos seu pagamento e sua conta está quitada. Este é o seu recibo:\n\nValor: "
            "{{ monto_pagado }}\nData: {{ fecha_pago }}\nReferência: {{ referencia_pago }}\n\nSeu "
            "termo de quitação (PDF): {{ enlace_paz_y_salvo }}\n\nVeja sua conta em "
            "{{ enlace_pago }}",
        ),
    },
    "extension_approved": {
        "es": (
            "{{ marca }}: aprobamos tu nueva fecha de pago",
            "Revisamos tu solicitud y la aprobamos: tu nueva fecha de pago es el "
            "{{ nueva_fecha }}.\n\nSaldo: {{ saldo_pendiente }}\nPara pagar o ver tus opciones: "
            "{{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your new payment date is approved",
            "We reviewed your request and approved it: your new payment date is "
            "{{ nueva_fecha }}.\n\nBalance: {{ saldo_pendiente }}\nTo pay or see your options: "
            "{{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: sua nova data de pagamento foi aprovada",
            "Analisamos seu pedido e ele foi aprovado: sua nova data de pagamento é "
            "{{ nueva_fecha }}.\n\nSaldo: {{ saldo_pendiente }}\nPara pagar ou ver suas opções: "
            "{{ enlace_pago }}",
        ),
    },
    "discount_approved": {
        "es": (
            "{{ marca }}: aprobamos tu descuento",
            "Revisamos tu solicitud y la aprobamos: con un pago de {{ monto_acordado }} saldas tu "
            "deuda de {{ saldo_pendiente }}.\n\nPara pagar: {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: your discount is approved",
            "We reviewed your request and approved it: a payment of {{ monto_acordado }} settles "
            "your balance of {{ saldo_pendiente }}.\n\nTo pay: {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: seu desconto foi aprovado",
            "Analisamos seu pedido e ele foi aprovado: um pagamento de {{ monto_acordado }} quita "
            "seu saldo de {{ saldo_pendiente }}.\n\nPara pagar: {{ enlace_pago }}",
        ),
    },
    "request_refused": {
        "es": (
            "{{ marca }}: respuesta a tu solicitud",
            "Revisamos tu solicitud y esta vez no pudimos aprobarla.\n\nTu saldo es "
            "{{ saldo_pendiente }}. Puedes pagarlo o elegir un plan de pagos en {{ enlace_pago }}",
        ),
        "en": (
            "{{ marca }}: about your request",
            "We reviewed your request and could not approve it this time.\n\nYour balance is "
            "{{ saldo_pendiente }}. You can pay it or choose a payment plan at {{ enlace_pago }}",
        ),
        "pt": (
            "{{ marca }}: resposta ao seu pedido",
            "Analisamos seu pedido e desta vez não foi possível aprová-lo.\n\nSeu saldo é "
            "{{ saldo_pendiente }}. Você pode pagar ou escolher um plano de pagamento em "
            "{{ enlace_pago }}",
        ),
    },
    "promise_reminder": {
        "es": (
            "Recordatorio de tu pago del {{ fecha_promesa }} a {{ marca }}",
            "Te recordamos el pago de {{ monto_promesa }} que acordamos para el "
            "{{ fecha_promesa }}.",
        ),
        "en": (
            "Reminder of your {{ fecha_promesa }} payment to {{ marca }}",
            "A reminder of the {{ monto_promesa }} payment we agreed for {{ fecha_promesa }}.",
        ),
        "pt": (
            "{{ marca }}: lembrete do seu pagamento de {{ fecha_promesa }}",
            "Lembramos o pagamento de {{ monto_promesa }} combinado para {{ fecha_promesa }}.",
        ),
    },
    "payment_failed": {
        "es": (
            "Tu pago a {{ marca }} no se pudo completar",
            "Tu pago en línea no se pudo completar. A veces pasa, por muchas razones; puedes "
            "intentarlo de nuevo con el mismo medio de pago u otro.",
        ),
        "en": (
            "Your payment to {{ marca }} could not be completed",
            "Your online payment could not be completed. It can happen for many reasons; you can "
            "try again with the same payment method or another.",
        ),
        "pt": (
            "{{ marca }}: seu pagamento não foi concluído",
            "Seu pagamento online não foi concluído. Isso pode acontecer por vários motivos; você "
            "pode tentar de novo com o mesmo meio de pagamento ou outro.",
        ),
    },
    "promise_broken": {
        "es": (
            "Tu pago acordado con {{ marca }}",
            "No hemos recibido el pago de {{ monto_promesa }} que acordamos para el "
            "{{ fecha_promesa }}. Si necesitas otra fecha u otra forma de pago, puedes elegirla "
            "desde el enlace.",
        ),
        "en": (
            "Your agreed payment with {{ marca }}",
            "We haven't received the {{ monto_promesa }} payment we agreed for "
            "{{ fecha_promesa }}. If you need another date or another way to pay, you can choose "
            "it from the link.",
        ),
        "pt": (
            "{{ marca }}: seu pagamento combinado",
            "Ainda não recebemos o pagamento de {{ monto_promesa }} combinado para "
            "{{ fecha_promesa }}. Se precisar de outra data ou forma de pagamento, escolha pelo "
            "link.",
        ),
    },
    "plan_broken": {
        "es": (
            "Tu plan de pagos con {{ marca }}",
            "No recibimos una cuota de tu plan de pagos, así que el plan se dio por terminado. "
            "Puedes pagar tu saldo o armar un nuevo plan desde el enlace; si necesitas ayuda, "
            "respóndenos.",
        ),
        "en": (
            "Your payment plan with {{ marca }}",
            "We didn't receive an instalment of your payment plan, so the plan has ended. You can "
            "pay your balance or set up a new plan from the link; if you need help, just reply.",
        ),
        "pt": (
            "{{ marca }}: seu plano de pagamento",
            "Uma parcela do seu plano de pagamento não foi paga, e o plano foi encerrado. Você "
            "pode pagar seu saldo ou montar um novo plano pelo link; se precisar de ajuda, "
            "responda este e-mail.",
        ),
    },
    "request_closed": {
        "es": (
            "Tu pedido a {{ marca }} y tu plan de cuotas",
            "Como acordamos tu plan de cuotas, cerramos tu pedido de descuento o de nueva fecha: "
            "el plan lo reemplaza. Desde el enlace puedes ver tus cuotas y pagarlas.",
        ),
        "en": (
            "Your request to {{ marca }} and your payment plan",
            "Since we agreed your payment plan, we closed your request for a discount or a new "
            "date: the plan replaces it. From the link you can see and pay your instalments.",
        ),
        "pt": (
            "{{ marca }}: seu pedido e seu plano de parcelas",
            "Como combinamos seu plano de parcelas, encerramos seu pedido de desconto ou de nova "
            "data: o plano o substitui. Pelo link você pode ver e pagar suas parcelas.",
        ),
    },
    "report_rejected": {
        "es": (
            "Revisamos tu pago a {{ marca }}",
            "Revisamos el pago que nos informaste y no lo encontramos, así que tu saldo sigue "
            "pendiente. Si tienes otro comprobante, responde a este correo y lo revisamos.",
        ),
        "en": (
            "We checked your payment to {{ marca }}",
            "We checked the payment you told us about and could not find it, so your balance "
            "is still open. If you have another receipt, reply to this email and we'll check it.",
        ),
        "pt": (
            "{{ marca }}: verificamos seu pagamento",
            "Verificamos o pagamento que você informou e não o encontramos, então seu saldo "
            "segue em aberto. Se tiver outro comprovante, responda este e-mail e verificamos.",
        ),
    },
    "plan_agreed": {
        "es": (
            "Tu plan de pagos con {{ marca }}",
            "Tu plan de pagos quedó acordado. Estas son tus cuotas:\n\n{{ cuotas }}\n\n"
            "Desde {{ enlace_pago }} puedes ver y pagar cada cuota.",
        ),
        "en": (
            "Your payment plan with {{ marca }}",
            "Your payment plan is agreed. These are your instalments:\n\n{{ cuotas }}\n\n"
            "At {{ enlace_pago }} you can see and pay each instalment.",
        ),
        "pt": (
            "{{ marca }}: seu plano de pagamento",
            "Seu plano de pagamento foi combinado. Estas são suas parcelas:\n\n{{ cuotas }}\n\n"
            "Em {{ enlace_pago }} você pode ver e pagar cada parcela.",
        ),
    },
    "b2b_statement": {
        "es": (
            "{{ marca }}: estado de cuenta de {{ nombre_completo }}",
            "Le compartimos el estado de cuenta de {{ nombre_completo }} con {{ marca }}. El "
            "próximo vencimiento es el {{ vence }}.",
        ),
        "en": (
            "{{ marca }}: statement for {{ nombre_completo }}",
            "Please find below the statement of {{ nombre_completo }} with {{ marca }}. The next "
            "due date is {{ vence }}.",
        ),
        "pt": (
            "{{ marca }}: extrato de {{ nombre_completo }}",
            "Segue o extrato de {{ nombre_completo }} conosco. O próximo vencimento é em "
            "{{ vence }}.",
        ),
    },
    "b2b_reminder_before": {
        "es": (
            "{{ marca }}: recordatorio de vencimiento el {{ vence }}",
            "Le recordamos que el {{ vence }} vence el pago de los siguientes documentos:",
        ),
        "en": (
            "{{ marca }}: payment due on {{ vence }}",
            "This is a reminder that payment of the following is due on {{ vence }}:",
        ),
        "pt": (
            "{{ marca }}: lembrete de vencimento em {{ vence }}",
            "Lembramos que em {{ vence }} vence o pagamento dos seguintes documentos:",
        ),
    },
    "b2b_due_today": {
        "es": (
            "{{ marca }}: vencimiento de hoy",
            "Le recordamos que hoy vence el pago de los siguientes documentos:",
        ),
        "en": (
            "{{ marca }}: payment due today",
            "This is a reminder that payment of the following is due today:",
        ),
        "pt": (
            "{{ marca }}: vencimento hoje",
            "Lembramos que hoje vence o pagamento dos seguintes documentos:",
        ),
    },
    "b2b_overdue": {
        "es": (
            "{{ marca }}: documentos pendientes de pago",
            "Según nuestros registros, el pago de los siguientes documentos está pendiente desde "
            "el {{ vence }}. Si ya fue realizado, le agradecemos enviarnos el comprobante para "
            "conciliarlo.",
        ),
        "en": (
            "{{ marca }}: invoices pending payment",
            "According to our records, payment of the following has been pending since "
            "{{ vence }}. If it has already been made, please send us the remittance advice so "
            "we can reconcile it.",
        ),
        "pt": (
            "{{ marca }}: documentos pendentes de pagamento",
            "Segundo nossos registros, o pagamento dos seguintes documentos está pendente desde "
            "{{ vence }}. Caso já tenha sido feito, pedimos a gentileza de enviar o comprovante "
            "para conciliação.",
        ),
    },
}

_DEBT_LINE = {
    "es": "- {% if d.descripcion %}{{ d.descripcion }}: {% endif %}{{ d.monto }} "
    "(vencimiento: {{ d.vence }})",
    "en": "- {% if d.descripcion %}{{ d.descripcion }}: {% endif %}{{ d.monto }} "
    "(due {{ d.vence }})",
    "pt": "- {% if d.descripcion %}{{ d.descripcion }}: {% endif %}{{ d.monto }} "
    "(vencimento: {{ d.vence }})",
}
_B2B_DEBT_LINE = {
    "es": "- {% if d.factura %}Factura {{ d.factura }}{% else %}{{ d.descripcion }}{% endif %}: "
    "{{ d.monto }} (vencimiento: {{ d.vence }})",
    "en": "- {% if d.factura %}Invoice {{ d.factura }}{% else %}{{ d.descripcion }}{% endif %}: "
    "{{ d.monto }} (due {{ d.vence }})",
    "pt": "- {% if d.factura %}Fatura {{ d.factura }}{% else %}{{ d.descripcion }}{% endif %}: "
    "{{ d.monto }} (vencimento: {{ d.vence }})",
}
_GREETING = {"es": "Hola {{ nombre }}:", "en": "Hi {{ nombre }},", "pt": "Olá, {{ nombre }}!"}
_B2B_GREETING = {"es": "Estimado cliente:", "en": "Dear customer,", "pt": "Prezado cliente,"}
_SEVERAL = {
    "es": "Tienes {{ cantidad }} facturas pendientes por {{ total }}:",
    "en": "You have {{ cantidad }} open bills for {{ total }}:",
    "pt": "Você tem {{ cantidad }} faturas em aberto no total de {{ total }}:",
}
# A B2B statement's table is followed by the way to pay (its totals are in the table).
_B2B_STATEMENT_PAY = {
    "es": "Puede pagar en línea en {{ enlace_pago }} o por los medios habituales.",
    "en": "You can pay online at {{ enlace_pago }} or through the usual means.",
    "pt": "O pagamento pode ser feito online em {{ enlace_pago }} ou pelos meios habituais.",
}
_PAY = {
    "es": "Total: {{ total }}\n\nPara pagar o ver tus opciones: {{ enlace_pago }}",
    "en": "Total: {{ total }}\n\nTo pay or see your options: {{ enlace_pago }}",
    "pt": "Total: {{ total }}\n\nPara pagar ou ver suas opções: {{ enlace_pago }}",
}
_B2B_PAY = {
    "es": "Total: {{ total }}\n\nPuede pagar en línea en {{ enlace_pago }} o por los medios "
    "habituales.",
    "en": "Total: {{ total }}\n\nYou can pay online at {{ enlace_pago }} or through the usual "
    "means.",
    "pt": "Total: {{ total }}\n\nO pagamento pode ser feito online em {{ enlace_pago }} ou pelos "
    "meios habituais.",
}
_ALREADY_PAID = {
    "es": "Si ya pagaste, gracias y no tengas en cuenta este mensaje.",
    "en": "If you already paid, thank you, and please ignore this message.",
    "pt": "Se você já pagou, obrigado, e desconsidere esta mensagem.",
}
# Block tags end before the end of a line: the environment drops the newline
# that follows a tag (trim_blocks).
_SIGNATURE = {
    "es": "¿Tienes preguntas? {% if soporte %}Contáctanos: {{ soporte }}, o responde"
    "{% else %}Responde{% endif %} a este correo.\n\nUn saludo,\nEquipo {{ marca }}",
    "en": "Questions? {% if soporte %}Contact us at {{ soporte }}, or reply"
    "{% else %}Just reply{% endif %} to this email. If you'd rather not receive these emails, "
    "reply and let us know.\n\nBest regards,\nThe {{ marca }} team",
    "pt": "Dúvidas? {% if soporte %}Fale com a gente: {{ soporte }}, ou responda"
    "{% else %}Responda{% endif %} este e-mail.\n\nUm abraço,\nEquipe {{ marca }}",
}
_B2B_SIGNATURE = {
    "es": "{% if soporte %}Para cualquier consulta o conciliación: {{ soporte }}. {% endif %}"
    "Si ya realizó el pago, le agradecemos y le pedimos no tener en cuenta este mensaje."
    "\n\nCordialmente,\n{{ marca }}",
    "en": "{% if soporte %}For any questions or reconciliation: {{ soporte }}. {% endif %}"
    "If payment has already been made, thank you, and please disregard this message."
    "\n\nKind regards,\n{{ marca }}",
    "pt": "{% if soporte %}Para dúvidas ou conciliação: {{ soporte }}. {% endif %}"
    "Caso o pagamento já tenha sido feito, agradecemos e pedimos que desconsidere esta "
    "mensagem.\n\nAtenciosamente,\n{{ marca }}",
}


_SMS.update(DEBIT_SMS)
_WHATSAPP.update(DEBIT_WHATSAPP)
_WHATSAPP[SEVERAL_DEBTS_STATEMENT_KEY] = _WHATSAPP[SEVERAL_DEBTS_KEY]
_EMAIL.update(DEBIT_EMAIL)
_SMS.update(REVERSED_SMS)
_WHATSAPP.update(REVERSED_WHATSAPP)
_EMAIL.update(REVERSED_EMAIL)


def _debt_list(line: str, several: str = "") -> str:
    """The message's debts, one a line; with ``several``, a line saying how many first."""
    count = "{% if cantidad > 1 %}\n" + several + "\n{% endif %}" if several else ""
    return count + "{% for d in deudas %}\n" + line + "\n{% endfor %}\n\n"


def _email_body(key: str, language: str) -> str:
    opening = _EMAIL[key][language][1]
    if key == "b2b_statement":
        # Every open invoice with its age, as a table (portfolio/statement.py).
        return "\n\n".join(
            (
                _B2B_GREETING[language],
                opening,
                "{{ estado_de_cuenta }}",
                _B2B_STATEMENT_PAY[language],
                _B2B_SIGNATURE[language],
            )
        )
    if key in B2B_KEYS:
        return "\n\n".join(
            (
                _B2B_GREETING[language],
                opening,
                _debt_list(_B2B_DEBT_LINE[language]) + _B2B_PAY[language],
                _B2B_SIGNATURE[language],
            )
        )
    if key in SELF_CONTAINED_EMAILS:
        return "\n\n".join((_GREETING[language], opening, _SIGNATURE[language]))
    parts = [
        _GREETING[language],
        opening,
        _debt_list(_DEBT_LINE[language], _SEVERAL[language]) + _PAY[language],
    ]
    if key not in NO_ALREADY_PAID:
        parts.append(_ALREADY_PAID[language])
    parts.append(_SIGNATURE[language])
    return "\n\n".join(parts)


OPT_OUT_LINE = "Reply STOP to opt out."
# A plan's instalments one a line fit an RCS card up to this many (each line up
# to ~60 bytes: a long date, a large amount, "(cuota inicial)"); a longer plan
# (up to 60 instalments) names its first and how many more, all on the portal.
RCS_LISTED_INSTALMENTS = 24
_MORE_INSTALMENTS = {
    "es": "y {{ cuotas_total - 1 }} cuotas más",
    "en": "and {{ cuotas_total - 1 }} more",
    "pt": "e mais {{ cuotas_total - 1 }} parcelas",
}


def rcs_body(whatsapp: str, sms: str, language: str) -> str:
    """The RCS text of a key: its WhatsApp text, accents, line breaks and link as they are.

    An RCS reminder is a rich card (the brand as its title, this text as its
    description, up to 2000 bytes of UTF-8) with the chips Pagar, Hablar con un
    asesor and Ya pagué (``delivery.messages.rcs_suggestions``), so the GSM-7
    SMS wording ("tu saldo vencio") has no reason to be there. The link stays in
    the text although every templated RCS message carries the "Pagar" chip that
    opens it: the text says what the link is for (see the instalments, cancel a
    direct debit, try a payment again), which a chip labelled "Pagar" does not,
    and the paz y salvo certificate's link has no chip at all. Two
    exceptions: where the SMS ends with the English opt-out line (US rules), so
    does the RCS text, on its own line; and a plan of more than
    ``RCS_LISTED_INSTALMENTS`` instalments lists its first only, so that the
    card stays within RBM's 2000 bytes (docs/templates.md).
    """
    body = whatsapp.replace(
        "{{ cuotas }}",
        f"{{% if cuotas_total > {RCS_LISTED_INSTALMENTS} %}}- {{{{ primera_cuota }}}}\n- "
        f"{_MORE_INSTALMENTS[language]}{{% else %}}{{{{ cuotas }}}}{{% endif +%}}",
    )
    if sms.endswith(OPT_OUT_LINE):
        return f"{body}\n{OPT_OUT_LINE}"
    return body


def _placeholders_in_order(body: str) -> list[str]:
    names: list[str] = []
    for name in re.findall(r"{{\s*(\w+)\s*}}", body):
        if name not in names:
            names.append(name)
    return names


def _template(key: str, channel: str, language: str, tone: str) -> dict:
    subject = ""
    whatsapp_name = whatsapp_language = ""
    parameters: list[str] = []
    if channel == "email":
        subject = _EMAIL[key][language][0]
        body = _email_body(key, language)
    elif channel == "whatsapp":
        body = _WHATSAPP[key][language]
        whatsapp_name = WHATSAPP_NAMES.get(key, f"recaudo_{key}")
        whatsapp_language = WHATSAPP_LANGUAGE[language]
        parameters = _placeholders_in_order(body)
    elif channel == "rcs":
        body = rcs_body(_WHATSAPP[key][language], _SMS[key][language], language)
    else:
        body = _SMS[key][language]
    statement = key in WITH_STATEMENT and channel in ("email", "whatsapp")
    return {
        "key": key,
        "channel": channel,
        "language": language,
        "register": "",  # any: the "tú" texts, and every Portuguese and English one
        "tone": tone,
        "subject": subject,
        "body": body,
        "whatsapp_template_name": whatsapp_name,
        "whatsapp_template_language": whatsapp_language,
        "whatsapp_parameters": parameters,
        "whatsapp_quick_replies": list(STATEMENT_QUICK_REPLIES)
        if statement and channel == "whatsapp"
        else [],
        "attach_statement": statement,
    }


def _usted_template(key: str, channel: str, tone: str) -> dict:
    """The Spanish "usted" text of a B2C key (default_templates_usted.py)."""
    values = _template(key, channel, "es", tone)
    if channel == "email":
        subject, opening = USTED_EMAIL[key]
        parts = [_GREETING["es"], opening]
        if key not in SELF_CONTAINED_EMAILS:  # a receipt, a decision: all said in the opening
            parts.append(_debt_list(_DEBT_LINE["es"], USTED_SEVERAL) + USTED_PAY)
            if key not in NO_ALREADY_PAID:
                parts.append(USTED_ALREADY_PAID)
        parts.append(USTED_SIGNATURE)
        values.update(subject=subject, body="\n\n".join(parts))
    elif channel == "whatsapp":
        body = USTED_WHATSAPP[key]
        values.update(
            body=body,
            whatsapp_template_name=f"{WHATSAPP_NAMES.get(key, f'recaudo_{key}')}_usted",
            whatsapp_parameters=_placeholders_in_order(body),
        )
    elif channel == "rcs":
        values.update(body=rcs_body(USTED_WHATSAPP[key], USTED_SMS[key], "es"))
    else:
        values.update(body=USTED_SMS[key])
    values["register"] = "usted"
    return values


def _build() -> list[dict]:
    templates = []
    b2c = [*STEP_KEYS, *EVENT_KEYS]
    for language in LANGUAGES:
        for key in b2c:
            tone = STEP_KEYS.get(key, "")
            for channel in WRITTEN_CHANNELS:
                templates.append(_template(key, channel, language, tone))
        for key in B2B_KEYS:
            tone = B2B_TONES.get(key, "preventive")
            templates.append(_template(key, "email", language, tone))
        for channel in SEVERAL_DEBTS_CHANNELS:
            templates.append(_template(SEVERAL_DEBTS_KEY, channel, language, ""))
        templates.append(_template(SEVERAL_DEBTS_STATEMENT_KEY, "whatsapp", language, ""))
    # The same B2C keys in "usted", for debtors whose policy says so (docs/languages.md).
    for key in b2c:
        if key in USTED_SMS:
            for channel in WRITTEN_CHANNELS:
                templates.append(_usted_template(key, channel, STEP_KEYS.get(key, "")))
    for channel in SEVERAL_DEBTS_CHANNELS:
        templates.append(_usted_template(SEVERAL_DEBTS_KEY, channel, ""))
    templates.append(_usted_template(SEVERAL_DEBTS_STATEMENT_KEY, "whatsapp", ""))
    return templates


DEFAULT_TEMPLATES: list[dict] = _build()
