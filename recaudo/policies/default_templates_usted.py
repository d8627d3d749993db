"""The shipped Spanish texts in "usted", for debtors whose policy addresses them so.

The shipped B2C texts say "tú"; a debtor whose policy's register is "usted"
(the B2B policy, or any policy a creditor sets to it) gets these instead,
for the same keys and channels: the notices a payment, a promise or a plan
sends, and the reminders of the B2C steps. Templates are chosen by register
in ``rendering.select_template``. SMS texts avoid á, í, ó, ú as the "tú"
ones do (GSM-7, see default_templates.py). Portuguese ("você") and English
have one register.
"""

from __future__ import annotations

from recaudo.policies.default_templates_debit import (
    USTED_DEBIT_EMAIL,
    USTED_DEBIT_SMS,
    USTED_DEBIT_WHATSAPP,
)
from recaudo.policies.default_templates_reversed import (
    USTED_REVERSED_EMAIL,
    USTED_REVERSED_SMS,
    USTED_REVERSED_WHATSAPP,
)

USTED_SMS: dict[str, str] = {
    "credit_bureau_notice": "{{ marca }}: {{ nombre }}, su saldo de {{ total }} vencido el "
    "{{ vence }} sigue pendiente. Si no se paga, podra reportarse a las centrales de riesgo, no "
    "antes de 20 dias desde este aviso. Pague o elija un plan: {{ enlace_pago }}",
    "statement": "{{ marca }}: hola {{ nombre }}, ya tiene su nueva factura por {{ total }}, con "
    "vencimiento el {{ vence }}. Puede verla y pagarla en {{ enlace_pago }}",
    "reminder_before": "{{ marca }}: hola {{ nombre }}, le recordamos que su pago de {{ total }} "
    "vence el {{ vence }}. Puede pagar en {{ enlace_pago }}",
    "due_today": "{{ marca }}: hola {{ nombre }}, hoy vence su pago de {{ total }}. Puede pagar en "
    "{{ enlace_pago }} Si ya lo hizo, gracias.",
    "overdue_early": "{{ marca }}: hola {{ nombre }}, no hemos recibido su pago de {{ total }} con "
    "vencimiento el {{ vence }}. Puede pagar en {{ enlace_pago }} Si ya lo hizo, gracias.",
    "payment_offer": "{{ marca }}: hola {{ nombre }}, si le queda mejor, puede pagar su saldo de "
    "{{ saldo }} en cuotas o elegir una fecha de pago en {{ enlace_pago }}",
    "overdue_late": "{{ marca }}: hola {{ nombre }}, su saldo de {{ total }} sigue pendiente desde "
    "el {{ vence }}. Queremos ayudarle: pague o elija un plan en {{ enlace_pago }}",
    "payment_thanks": "{{ marca }}: hola {{ nombre }}, recibimos su pago de {{ monto_pagado }} "
    "del {{ fecha_pago }} (ref. {{ referencia_pago }}). Saldo pendiente: {{ saldo_pendiente }}. "
    "¡Muchas gracias!",
    "promise_reminder": "{{ marca }}: hola {{ nombre }}, le recordamos el pago de "
    "{{ monto_promesa }} que acordamos para el {{ fecha_promesa }}. Puede pagar en "
    "{{ enlace_pago }} ¡Gracias!",
    "payment_failed": "{{ marca }}: hola {{ nombre }}, su pago por internet no pudo completarse. "
    "Puede intentarlo de nuevo, con el mismo medio u otro, en {{ enlace_pago }}",
    "promise_broken": "{{ marca }}: hola {{ nombre }}, no hemos visto el pago de "
    "{{ monto_promesa }} que acordamos para el {{ fecha_promesa }}. Si necesita otra fecha, "
    "puede elegirla en {{ enlace_pago }}",
    "plan_broken": "{{ marca }}: hola {{ nombre }}, no recibimos una cuota de su plan de pagos, "
    "por eso el plan se dio por terminado. Su saldo es {{ saldo }}. Pague o arme un nuevo plan "
    "en {{ enlace_pago }}",
    "paid_in_full": "{{ marca }}: hola {{ nombre }}, recibimos su pago de {{ monto_pagado }} del "
    "{{ fecha_pago }} (ref. {{ referencia_pago }}) y ya no tiene saldo pendiente. Su paz y "
    "salvo: {{ enlace_paz_y_salvo }} ¡Gracias!",
    "extension_approved": "{{ marca }}: hola {{ nombre }}, aprobamos su nueva fecha de pago: "
    "{{ nueva_fecha }}. Puede pagar {{ saldo_pendiente }} en {{ enlace_pago }}",
    "discount_approved": "{{ marca }}: hola {{ nombre }}, aprobamos su descuento: con un pago de "
    "{{ monto_acordado }} salda su deuda de {{ saldo_pendiente }}. Pague en {{ enlace_pago }}",
    "request_refused": "{{ marca }}: hola {{ nombre }}, revisamos su solicitud y esta vez no "
    "pudimos aprobarla. Su saldo es {{ saldo_pendiente }}; puede pagar o elegir un plan en "
    "{{ enlace_pago }}",
    "request_closed": "{{ marca }}: hola {{ nombre }}, como acordamos su plan de cuotas, cerramos "
    "su pedido de descuento o de nueva fecha: el plan lo reemplaza. Sus cuotas: {{ enlace_pago }}",
    "report_rejected": "{{ marca }}: hola {{ nombre }}, revisamos el pago reportado y no lo "
    "encontramos. Si tiene otro comprobante, responda a este mensaje. Pagar: {{ enlace_pago }}",
    "plan_agreed": "{{ marca }}: hola {{ nombre }}, acordamos su plan de pagos. Primera cuota: "
    "{{ primera_cuota }}. Vea todas sus cuotas y pague en {{ enlace_pago }}",
    "several_debts": "{{ marca }}: hola {{ nombre }}, tiene {{ cantidad }} facturas pendientes "
    "por {{ total }}, la primera con vencimiento el {{ vence }}. Puede pagar o elegir un plan en "
    "{{ enlace_pago }}",
}

USTED_WHATSAPP: dict[str, str] = {
    "credit_bureau_notice": "Hola {{ nombre }}, le escribimos de {{ marca }}. Su saldo de "
    "{{ total }}, vencido el {{ vence }}, sigue pendiente. Le avisamos con tiempo: si no se paga, "
    "podrá reportarse a las centrales de riesgo, no antes de 20 días desde este aviso. Puede "
    "pagar o elegir un plan aquí: {{ enlace_pago }}\nSi ya pagó o algo no cuadra, responda a "
    "este mensaje.",
    "statement": "Hola {{ nombre }}, le saluda {{ marca }}. Su nueva factura por {{ total }} ya "
    "está disponible y vence el {{ vence }}.\nPuede verla y pagarla aquí: {{ enlace_pago }}\n"
    "¡Gracias!",
    "reminder_before": "Hola {{ nombre }}, le escribimos de {{ marca }} para recordarle que su "
    "pago de {{ total }} vence el {{ vence }}.\nPuede pagar aquí: {{ enlace_pago }}\n"
    "Si ya pagó, ¡gracias!",
    "due_today": "Hola {{ nombre }}, le escribimos de {{ marca }}: hoy vence su pago de "
    "{{ total }}.\nPuede pagar en un par de minutos aquí: {{ enlace_pago }}\nSi ya pagó, "
    "¡gracias!",
    "overdue_early": "Hola {{ nombre }}, le escribimos de {{ marca }}. No hemos recibido su pago "
    "de {{ total }}, que vencía el {{ vence }}; a veces la fecha se pasa.\nPuede pagar aquí: "
    "{{ enlace_pago }}\nSi ya pagó, ¡gracias! y no tenga en cuenta este mensaje.",
    "payment_offer": "Hola {{ nombre }}, le escribimos de {{ marca }}. Queremos ayudarle con su "
    "saldo de {{ saldo }}: desde este enlace puede pagarlo en cuotas o elegir la fecha que "
    "mejor le quede: {{ enlace_pago }}\nSi tiene preguntas, responda a este mensaje.",
    "overdue_late": "Hola {{ nombre }}, le escribimos de {{ marca }}. Su saldo de {{ total }} "
    "sigue pendiente desde el {{ vence }} y queremos ayudarle a resolverlo: puede pagar o "
    "elegir un plan aquí: {{ enlace_pago }}\nSi algo no cuadra, responda a este mensaje y lo "
    "revisamos.",
    "payment_thanks": "¡Gracias, {{ nombre }}! En {{ marca }} recibimos su pago de "
    "{{ monto_pagado }} del {{ fecha_pago }} (referencia {{ referencia_pago }}). Su saldo "
    "pendiente es {{ saldo_pendiente }}. Que tenga un buen día.",
    "promise_reminder": "Hola {{ nombre }}, le escribimos de {{ marca }} para recordarle el pago "
    "de {{ monto_promesa }} que acordamos para el {{ fecha_promesa }}.\nPuede pagar aquí: "
    "{{ enlace_pago }}\n¡Gracias!",
    "payment_failed": "Hola {{ nombre }}, le escribimos de {{ marca }}: su pago en línea no se "
    "pudo completar. Puede intentarlo de nuevo, con el mismo medio u otro, aquí: "
    "{{ enlace_pago }}\nSi necesita ayuda, responda a este mensaje.",
    "promise_broken": "Hola {{ nombre }}, le escribimos de {{ marca }}. No hemos recibido el pago "
    "de {{ monto_promesa }} que acordamos para el {{ fecha_promesa }}. Si necesita otra fecha u "
    "otra forma de pago, puede elegirla aquí: {{ enlace_pago }}\nSi ya pagó, ¡gracias!",
    "plan_broken": "Hola {{ nombre }}, le escribimos de {{ marca }}. No recibimos una cuota de su "
    "plan de pagos, así que el plan se dio por terminado. Su saldo es de {{ saldo }}. Puede "
    "pagar o armar un nuevo plan aquí: {{ enlace_pago }}\nSi necesita ayuda, responda a este "
    "mensaje.",
    "paid_in_full": "¡Gracias, {{ nombre }}! En {{ marca }} recibimos su pago de "
    "{{ monto_pagado }} del {{ fecha_pago }} (referencia {{ referencia_pago }}) y ya no tiene "
    "saldo pendiente. Descargue su paz y salvo aquí: {{ enlace_paz_y_salvo }}\nQue tenga un "
    "buen día.",
    "extension_approved": "Hola {{ nombre }}, le escribimos de {{ marca }}. Aprobamos su nueva "
    "fecha de pago: {{ nueva_fecha }}. Cuando quiera, puede pagar {{ saldo_pendiente }} aquí: "
    "{{ enlace_pago }}\n¡Gracias!",
    "discount_approved": "Hola {{ nombre }}, le escribimos de {{ marca }}. Aprobamos su "
    "descuento: con un pago de {{ monto_acordado }} salda su deuda de {{ saldo_pendiente }}. "
    "Puede pagar aquí: {{ enlace_pago }}\n¡Gracias!",
    "request_refused": "Hola {{ nombre }}, le escribimos de {{ marca }}. Revisamos su solicitud y "
    "esta vez no pudimos aprobarla. Su saldo es {{ saldo_pendiente }}: puede pagarlo o elegir un "
    "plan aquí: {{ enlace_pago }}\nSi quiere conversarlo, responda a este mensaje.",
    "request_closed": "Hola {{ nombre }}, le escribimos de {{ marca }}. Como acordamos su plan de "
    "cuotas, cerramos su pedido de descuento o de nueva fecha: el plan lo reemplaza.\nPuede ver "
    "sus cuotas aquí: {{ enlace_pago }}\nSi tiene preguntas, responda a este mensaje.",
    "report_rejected": "Hola {{ nombre }}, le escribimos de {{ marca }}. Revisamos el pago que "
    "nos informó y no lo encontramos, así que su saldo de {{ saldo }} sigue pendiente.\nSi tiene "
    "otro comprobante, responda a este mensaje y lo revisamos. También puede pagar aquí: "
    "{{ enlace_pago }}\nGracias.",
    "plan_agreed": "Hola {{ nombre }}, le escribimos de {{ marca }}. Su plan de pagos quedó "
    "acordado. Sus cuotas:\n{{ cuotas }}\nPuede ver y pagar cada cuota aquí: {{ enlace_pago }}"
    "\n¡Gracias!",
    "several_debts": "Hola {{ nombre }}, le escribimos de {{ marca }}. Tiene {{ cantidad }} "
    "facturas pendientes por {{ total }}, la primera con vencimiento el {{ vence }}.\nPuede ver "
    "el detalle y pagar o elegir un plan aquí: {{ enlace_pago }}\nSi ya pagó, ¡gracias!",
}

# (subject, opening paragraph), as default_templates._EMAIL.
USTED_EMAIL: dict[str, tuple[str, str]] = {
    "credit_bureau_notice": (
        "{{ marca }}: aviso previo de reporte a centrales de riesgo",
        "Su saldo sigue pendiente desde el {{ vence }}. Le avisamos con tiempo, como pide la ley: "
        "si no se paga, podrá reportarse a las centrales de riesgo, no antes de 20 días desde "
        "este aviso. Desde el enlace puede pagar o elegir un plan de pagos; si no está de acuerdo "
        "con la deuda, respóndanos y lo revisamos.",
    ),
    "statement": (
        "Su factura de {{ marca }} por {{ total }}",
        "Ya está disponible su nueva factura, con vencimiento el {{ vence }}. Este es el detalle:",
    ),
    "reminder_before": (
        "Recordatorio: su pago a {{ marca }} vence el {{ vence }}",
        "Le recordamos que su pago vence el {{ vence }}. Este es el detalle:",
    ),
    "due_today": (
        "Hoy vence su pago a {{ marca }}",
        "Hoy vence su pago de {{ total }}. Pagar en línea toma un par de minutos:",
    ),
    "overdue_early": (
        "Su pago a {{ marca }} está pendiente",
        "No hemos recibido su pago, que vencía el {{ vence }}. Sabemos que a veces la fecha se "
        "pasa; aquí tiene el detalle:",
    ),
    "payment_offer": (
        "Opciones para ponerse al día con {{ marca }}",
        "Queremos ayudarle con su saldo pendiente de {{ saldo }}. Desde el enlace de pago puede "
        "pagarlo en cuotas o elegir la fecha que mejor le quede.",
    ),
    "overdue_late": (
        "Su saldo con {{ marca }} sigue pendiente",
        "Su saldo sigue pendiente desde el {{ vence }} y queremos ayudarle a resolverlo: desde "
        "el enlace puede pagar o elegir un plan de pagos. Si algo no cuadra o está pasando por "
        "un momento difícil, respóndanos y buscamos juntos una solución.",
    ),
    "payment_thanks": (
        "Gracias por su pago a {{ marca }}",
        "Recibimos su pago. Este es su recibo:\n\nMonto: {{ monto_pagado }}\n"
        "Fecha: {{ fecha_pago }}\nReferencia: {{ referencia_pago }}\n"
        "Saldo pendiente: {{ saldo_pendiente }}\n\nPuede ver su cuenta en {{ enlace_pago }}",
    ),
    "promise_reminder": (
        "Recordatorio de su pago del {{ fecha_promesa }} a {{ marca }}",
        "Le recordamos el pago de {{ monto_promesa }} que acordamos para el {{ fecha_promesa }}.",
    ),
    "payment_failed": (
        "Su pago a {{ marca }} no se pudo completar",
        "Su pago en línea no se pudo completar. Puede pasar por muchas razones; puede "
        "intentarlo de nuevo con el mismo medio de pago u otro.",
    ),
    "promise_broken": (
        "Su pago acordado con {{ marca }}",
        "No hemos recibido el pago de {{ monto_promesa }} que acordamos para el "
        "{{ fecha_promesa }}. Si necesita otra fecha u otra forma de pago, puede elegirla desde "
        "el enlace.",
    ),
    "plan_broken": (
        "Su plan de pagos con {{ marca }}",
        "No recibimos una cuota de su plan de pagos, así que el plan se dio por terminado. Puede "
        "pagar su saldo o armar un nuevo plan desde el enlace; si necesita ayuda, respóndanos.",
    ),
    "paid_in_full": (
        "Está a paz y salvo con {{ marca }}",
        "Recibimos su pago y ya no tiene saldo pendiente. Este es su recibo:\n\n"
        "Monto: {{ monto_pagado }}\nFecha: {{ fecha_pago }}\nReferencia: {{ referencia_pago }}"
        "\n\nSu certificado de paz y salvo (PDF): {{ enlace_paz_y_salvo }}\n\n"
        "Puede ver su cuenta en {{ enlace_pago }}",
    ),
    "extension_approved": (
        "{{ marca }}: aprobamos su nueva fecha de pago",
        "Revisamos su solicitud y la aprobamos: su nueva fecha de pago es el {{ nueva_fecha }}."
        "\n\nSaldo: {{ saldo_pendiente }}\nPara pagar o ver sus opciones: {{ enlace_pago }}",
    ),
    "discount_approved": (
        "{{ marca }}: aprobamos su descuento",
        "Revisamos su solicitud y la aprobamos: con un pago de {{ monto_acordado }} salda su "
        "deuda de {{ saldo_pendiente }}.\n\nPara pagar: {{ enlace_pago }}",
    ),
    "request_refused": (
        "{{ marca }}: respuesta a su solicitud",
        "Revisamos su solicitud y esta vez no pudimos aprobarla.\n\nSu saldo es "
        "{{ saldo_pendiente }}. Puede pagarlo o elegir un plan de pagos en {{ enlace_pago }}",
    ),
    "request_closed": (
        "Su pedido a {{ marca }} y su plan de cuotas",
        "Como acordamos su plan de cuotas, cerramos su pedido de descuento o de nueva fecha: el "
        "plan lo reemplaza. Desde el enlace puede ver sus cuotas y pagarlas.",
    ),
    "report_rejected": (
        "Revisamos su pago a {{ marca }}",
        "Revisamos el pago que nos informó y no lo encontramos, así que su saldo sigue "
        "pendiente. Si tiene otro comprobante, responda a este correo y lo revisamos.",
    ),
    "plan_agreed": (
        "Su plan de pagos con {{ marca }}",
        "Su plan de pagos quedó acordado. Estas son sus cuotas:\n\n{{ cuotas }}\n\n"
        "Desde {{ enlace_pago }} puede ver y pagar cada cuota.",
    ),
}

# A direct debit's notices (default_templates_debit.py).
USTED_SMS.update(USTED_DEBIT_SMS)
USTED_WHATSAPP.update(USTED_DEBIT_WHATSAPP)
# The several-debts text with the statement as its document header (default_templates.py).
USTED_WHATSAPP["several_debts_statement"] = USTED_WHATSAPP["several_debts"]
USTED_EMAIL.update(USTED_DEBIT_EMAIL)
# Money taken back (default_templates_reversed.py).
USTED_SMS.update(USTED_REVERSED_SMS)
USTED_WHATSAPP.update(USTED_REVERSED_WHATSAPP)
USTED_EMAIL.update(USTED_REVERSED_EMAIL)

# The line before the list of debts when a message is about several.
USTED_SEVERAL = "Tiene {{ cantidad }} facturas pendientes por {{ total }}:"
USTED_PAY = "Total: {{ total }}\n\nPara pagar o ver sus opciones: {{ enlace_pago }}"
USTED_ALREADY_PAID = "Si ya pagó, gracias y no tenga en cuenta este mensaje."
USTED_SIGNATURE = (
    "¿Tiene preguntas? {% if soporte %}Contáctenos: {{ soporte }}, o responda"
    "{% else %}Responda{% endif %} a este correo.\n\nUn saludo,\nEquipo {{ marca }}"
)
