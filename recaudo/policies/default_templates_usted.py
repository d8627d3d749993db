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
    "{{ total }} en cuotas o elegir una fecha de pago en {{ enlace_pago }}",
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
    "por eso el plan se dio por terminado. Su saldo es {{ total }}. Pague o arme un nuevo plan "
    "en {{ enlace_pago }}",
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
    "saldo de {{ total }}: desde este enlace puede pagarlo en cuotas o elegir la fecha que "
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
    "plan de pagos, así que el plan se dio por terminado. Su saldo es de {{ total }}. Puede "
    "pagar o armar un nuevo plan aquí: {{ enlace_pago }}\nSi necesita ayuda, responda a este "
    "mensaje.",
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
        "Queremos ayudarle con su saldo pendiente de {{ total }}. Desde el enlace de pago puede "
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
}

USTED_PAY = "Total: {{ total }}\n\nPara pagar o ver sus opciones: {{ enlace_pago }}"
USTED_ALREADY_PAID = "Si ya pagó, gracias y no tenga en cuenta este mensaje."
USTED_SIGNATURE = (
    "¿Tiene preguntas? {% if soporte %}Contáctenos: {{ soporte }}, o responda"
    "{% else %}Responda{% endif %} a este correo.\n\nUn saludo,\nEquipo {{ marca }}"
)
