"""What the bot says, per language, and in Spanish per register.

Spanish is the source. A Spanish text comes in two registers, as the
debtor's reminders do: ``tu`` for consumer portfolios (the shipped B2C
templates say "tú") and ``usted`` for companies (the B2B templates). Which
one a debtor gets is their policy's ``register`` (``policies.segments``).
Portuguese (você) and English have one form. Kept here as plain tables
rather than in the shared gettext catalogue, which has no Portuguese.
"""

from __future__ import annotations

REGISTERS = ("tu", "usted")

Text = str | dict[str, str]


def _es(tu: str, usted: str) -> dict[str, str]:
    return {"tu": tu, "usted": usted}


TEXTS: dict[str, dict[str, Text]] = {
    "greeting": {
        "es": _es(
            "¡Hola, {name}! Soy el asistente de {brand}. Puedo decirte tu saldo, "
            "enviarte el enlace de pago o anotar la fecha en que vas a pagar.",
            "¡Hola, {name}! Soy el asistente de {brand}. Puedo decirle su saldo, "
            "enviarle el enlace de pago o anotar la fecha en que va a pagar.",
        ),
        "pt": "Olá, {name}! Sou o assistente da {brand}. Posso informar seu saldo, "
        "enviar o link de pagamento ou anotar a data em que vai pagar.",
        "en": "Hi {name}! I'm {brand}'s assistant. I can tell you your balance, "
        "send the payment link or note the day you will pay.",
    },
    "thanks": {
        "es": _es(
            "¡Con gusto, {name}! Aquí estamos para lo que necesites.",
            "¡Con gusto, {name}! Aquí estamos para lo que necesite.",
        ),
        "pt": "Por nada, {name}! Estamos aqui para o que precisar.",
        "en": "You're welcome, {name}! We're here if you need anything.",
    },
    "balance": {
        "es": _es(
            "Tu saldo pendiente es {balance}{due}. Puedes pagar aquí: {link}",
            "Su saldo pendiente es {balance}{due}. Puede pagar aquí: {link}",
        ),
        "pt": "Seu saldo em aberto é {balance}{due}. Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}{due}. You can pay here: {link}",
    },
    "due": {
        "es": ", con vencimiento el {date}",
        "pt": ", com vencimento em {date}",
        "en": ", due {date}",
    },
    "balance_split": {
        "es": _es(
            "Tu saldo pendiente es {balance}: {overdue} ya vencido y {upcoming} que vence más "
            "adelante (el próximo vencimiento es el {date}). Puedes pagar aquí: {link}",
            "Su saldo pendiente es {balance}: {overdue} ya vencido y {upcoming} que vence más "
            "adelante (el próximo vencimiento es el {date}). Puede pagar aquí: {link}",
        ),
        "pt": "Seu saldo em aberto é {balance}: {overdue} já vencido e {upcoming} a vencer "
        "(o próximo vencimento é em {date}). Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}: {overdue} overdue and {upcoming} due "
        "later (next due date {date}). You can pay here: {link}",
    },
    "balance_overdue": {
        "es": _es(
            "Tu saldo pendiente es {balance}, vencido desde el {date}. Puedes pagar aquí: {link}",
            "Su saldo pendiente es {balance}, vencido desde el {date}. Puede pagar aquí: {link}",
        ),
        "pt": "Seu saldo em aberto é {balance}, vencido desde {date}. Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}, overdue since {date}. "
        "You can pay here: {link}",
    },
    "balance_upcoming": {
        "es": _es(
            "Tu saldo pendiente es {balance}; tu próximo pago, de {amount}, vence el {date}. "
            "Puedes pagar aquí: {link}",
            "Su saldo pendiente es {balance}; su próximo pago, de {amount}, vence el {date}. "
            "Puede pagar aquí: {link}",
        ),
        "pt": "Seu saldo em aberto é {balance}; seu próximo pagamento, de {amount}, vence em "
        "{date}. Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}; your next payment, {amount}, is due "
        "{date}. You can pay here: {link}",
    },
    "balance_plan": {
        "es": _es(
            "Tu saldo pendiente es {balance} y lo estás pagando con tu plan de cuotas: la "
            "próxima cuota, de {amount}, vence el {date}. Puedes pagarla aquí: {link}",
            "Su saldo pendiente es {balance} y lo está pagando con su plan de cuotas: la "
            "próxima cuota, de {amount}, vence el {date}. Puede pagarla aquí: {link}",
        ),
        "pt": "Seu saldo em aberto é {balance} e você o está pagando com seu plano de "
        "parcelas: a próxima parcela, de {amount}, vence em {date}. Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}, which you are paying with your "
        "instalment plan: the next instalment, {amount}, is due {date}. You can pay it here: "
        "{link}",
    },
    "nothing_owed": {
        "es": _es(
            "No tienes saldo pendiente con {brand}. ¡Gracias!",
            "No tiene saldo pendiente con {brand}. ¡Gracias!",
        ),
        "pt": "Você não tem saldo em aberto com a {brand}. Obrigado!",
        "en": "You have no outstanding balance with {brand}. Thank you!",
    },
    "how_to_pay": {
        "es": _es(
            "Puedes pagar en línea, con tarjeta o transferencia, en este enlace: {link}",
            "Puede pagar en línea, con tarjeta o transferencia, en este enlace: {link}",
        ),
        "pt": "Você pode pagar online, com cartão ou transferência, neste link: {link}",
        "en": "You can pay online, by card or bank transfer, at this link: {link}",
    },
    "due_date": {
        "es": _es(
            "Tu próximo vencimiento es el {date}, por {balance}.",
            "Su próximo vencimiento es el {date}, por {balance}.",
        ),
        "pt": "Seu próximo vencimento é em {date}, no valor de {balance}.",
        "en": "Your next due date is {date}, for {balance}.",
    },
    "overdue": {
        "es": _es(
            "Tu cuenta venció el {date}; el saldo es {balance}. Puedes pagar aquí: {link}",
            "Su cuenta venció el {date}; el saldo es {balance}. Puede pagar aquí: {link}",
        ),
        "pt": "Sua conta venceu em {date}; o saldo é {balance}. Pague aqui: {link}",
        "en": "Your account was due {date}; the balance is {balance}. Pay here: {link}",
    },
    "ask_date": {
        "es": _es(
            "¡Gracias! ¿Qué día podrías pagar? Por ejemplo: «el viernes» o «el 15».",
            "¡Gracias! ¿Qué día podría pagar? Por ejemplo: «el viernes» o «el 15».",
        ),
        "pt": "Obrigado! Em que dia você pode pagar? Por exemplo: «sexta» ou «dia 15».",
        "en": 'Thank you! Which day can you pay? For example: "Friday" or "the 15th".',
    },
    "promise_ok": {
        "es": _es(
            "Listo, {name}: anotamos tu pago de {amount} para el {date}. "
            "Te lo recordaremos un día antes. Enlace de pago: {link}",
            "Listo, {name}: anotamos su pago de {amount} para el {date}. "
            "Le recordaremos un día antes. Enlace de pago: {link}",
        ),
        "pt": "Pronto, {name}: anotamos seu pagamento de {amount} para {date}. "
        "Vamos lembrar um dia antes. Link de pagamento: {link}",
        "en": "Done, {name}: we noted your payment of {amount} for {date}. "
        "We'll remind you the day before. Payment link: {link}",
    },
    "promise_refused": {
        "es": _es(
            "No pudimos anotar esa fecha: {error} ¿Qué otro día podrías pagar?",
            "No pudimos anotar esa fecha: {error} ¿Qué otro día podría pagar?",
        ),
        "pt": "Não conseguimos anotar essa data: {error} Em que outro dia pode pagar?",
        "en": "We couldn't note that date: {error} Which other day could you pay?",
    },
    # A plan request when the plans could not be looked up: the portal lists them.
    "plan": {
        "es": _es(
            "Entendemos, {name}. Queremos ayudarte: en este enlace puedes ver las cuotas "
            "y opciones de pago disponibles para ti: {link}",
            "Entendemos, {name}. Queremos ayudarle: en este enlace puede ver las cuotas "
            "y opciones de pago disponibles para usted: {link}",
        ),
        "pt": "Entendemos, {name}. Queremos ajudar: neste link você vê as parcelas "
        "e opções de pagamento disponíveis: {link}",
        "en": "We understand, {name}. We want to help: at this link you can see the "
        "instalments and payment options available to you: {link}",
    },
    "hardship": {
        "es": _es(
            "Lamentamos mucho lo que estás pasando, {name}. No te preocupes: podemos buscar "
            "una solución juntos. Aquí puedes ver cuotas y opciones a tu medida: {link}",
            "Lamentamos mucho lo que está pasando, {name}. No se preocupe: podemos buscar "
            "una solución juntos. Aquí puede ver cuotas y opciones a su medida: {link}",
        ),
        "pt": "Sentimos muito pelo que está passando, {name}. Podemos encontrar uma solução "
        "juntos. Aqui você vê parcelas e opções: {link}",
        "en": "We're sorry you're going through this, {name}. We can find a solution "
        "together. Here you can see instalments and options: {link}",
    },
    # --- Plans offered in the chat -------------------------------------------------
    "plan_lead": {
        "es": "¡Claro, {name}!",
        "pt": "Claro, {name}!",
        "en": "Sure, {name}!",
    },
    "hardship_lead": {
        "es": _es(
            "Lamentamos mucho lo que estás pasando, {name}. No te preocupes: podemos buscar "
            "una solución juntos.",
            "Lamentamos mucho lo que está pasando, {name}. No se preocupe: podemos buscar "
            "una solución juntos.",
        ),
        "pt": "Sentimos muito pelo que está passando, {name}. Podemos encontrar uma solução "
        "juntos.",
        "en": "We're sorry you're going through this, {name}. We can find a solution together.",
    },
    "offer_with_down": {
        "es": _es(
            "Para tu saldo de {total} tenemos estas opciones: {down_name} de {down} hoy "
            "y el resto en cuotas mensuales.",
            "Para su saldo de {total} tenemos estas opciones: {down_name} de {down} hoy "
            "y el resto en cuotas mensuales.",
        ),
        "pt": "Para o seu saldo de {total} temos estas opções: uma entrada de {down} hoje "
        "e o restante em parcelas mensais.",
        "en": "For your balance of {total} we have these options: a down payment of {down} "
        "today and the rest in monthly instalments.",
    },
    "offer_without_down": {
        "es": _es(
            "Para tu saldo de {total} tenemos estas opciones de cuotas mensuales.",
            "Para su saldo de {total} tenemos estas opciones de cuotas mensuales.",
        ),
        "pt": "Para o seu saldo de {total} temos estas opções de parcelas mensais.",
        "en": "For your balance of {total} we have these monthly instalment options.",
    },
    "option_one": {
        "es": "{number}) {count} cuota de {amount}",
        "pt": "{number}) {count} parcela de {amount}",
        "en": "{number}) {count} instalment of {amount}",
    },
    "option_many": {
        "es": "{number}) {count} cuotas de {amount}",
        "pt": "{number}) {count} parcelas de {amount}",
        "en": "{number}) {count} instalments of {amount}",
    },
    "option_last": {
        "es": " (la última de {amount})",
        "pt": " (a última de {amount})",
        "en": " (the last one {amount})",
    },
    # WhatsApp reply buttons (at most 20 characters) and the plans' list (its
    # button at most 20, a row's title 24, its description 72): docs/channels.md.
    "choice_pay": {"es": "Pagar", "pt": "Pagar", "en": "Pay"},
    "choice_agent": {
        "es": "Hablar con un asesor",
        "pt": "Falar com atendente",
        "en": "Talk to an agent",
    },
    "choice_paid": {"es": "Ya pagué", "pt": "Já paguei", "en": "I already paid"},
    "choice_plans": {"es": "Ver planes", "pt": "Ver planos", "en": "See plans"},
    "choice_plan_one": {"es": "1 cuota", "pt": "1 parcela", "en": "1 instalment"},
    "choice_plan_many": {
        "es": "{count} cuotas",
        "pt": "{count} parcelas",
        "en": "{count} instalments",
    },
    "choice_plan_amount": {"es": "de {amount}", "pt": "de {amount}", "en": "of {amount}"},
    "offer_pick": {
        "es": _es(
            "Responde con el número de la opción que prefieras, por ejemplo «2».",
            "Responda con el número de la opción que prefiera, por ejemplo «2».",
        ),
        "pt": "Responda com o número da opção que preferir, por exemplo «2».",
        "en": 'Reply with the number of the option you prefer, for example "2".',
    },
    "plans_also": {
        "es": _es("También puedes pagar en cuotas.", "También puede pagar en cuotas."),
        "pt": "Você também pode pagar em parcelas.",
        "en": "You can also pay in instalments.",
    },
    "plans_none": {
        "es": _es(
            "Por ahora no podemos ofrecerte cuotas por este medio; una persona del equipo "
            "revisará tu caso.",
            "Por ahora no podemos ofrecerle cuotas por este medio; una persona del equipo "
            "revisará su caso.",
        ),
        "pt": "No momento não podemos oferecer parcelas por aqui; uma pessoa da equipe vai "
        "analisar seu caso.",
        "en": "We can't offer instalments here right now; a person on our team will review "
        "your case.",
    },
    "plan_active": {
        "es": _es(
            "Ya tienes un plan de cuotas vigente. Tu próximo pago es de {amount} y vence "
            "{when}. Puedes pagarlo aquí: {link}",
            "Ya tiene un plan de cuotas vigente. Su próximo pago es de {amount} y vence "
            "{when}. Puede pagarlo aquí: {link}",
        ),
        "pt": "Você já tem um plano de parcelas em andamento. O próximo pagamento é de "
        "{amount} e vence {when}. Pague aqui: {link}",
        "en": "You already have an instalment plan. Your next payment is {amount}, due "
        "{when}. You can pay it here: {link}",
    },
    "discount_ok": {
        "es": _es(
            "Si pagas {minimum} en lugar de {total}, tu deuda queda saldada. "
            "Puedes pedirlo aquí: {link}",
            "Si paga {minimum} en lugar de {total}, su deuda queda saldada. "
            "Puede pedirlo aquí: {link}",
        ),
        "pt": "Se você pagar {minimum} em vez de {total}, sua dívida fica quitada. "
        "Peça aqui: {link}",
        "en": "If you pay {minimum} instead of {total}, your debt is settled. "
        "You can ask for it here: {link}",
    },
    "discount_review": {
        "es": _es(
            "Puedes enviarnos tu propuesta de pago con descuento en este enlace y la "
            "revisaremos: {link}",
            "Puede enviarnos su propuesta de pago con descuento en este enlace y la "
            "revisaremos: {link}",
        ),
        "pt": "Você pode nos enviar sua proposta de pagamento com desconto neste link e "
        "vamos analisá-la: {link}",
        "en": "You can send us your proposal for a discounted payment at this link and we "
        "will review it: {link}",
    },
    "extension_ok": {
        "es": _es(
            "Puedes mover la fecha de pago hasta {days} días en este enlace: {link}",
            "Puede mover la fecha de pago hasta {days} días en este enlace: {link}",
        ),
        "pt": "Você pode adiar a data de pagamento em até {days} dias neste link: {link}",
        "en": "You can move the due date by up to {days} days at this link: {link}",
    },
    "extension_review": {
        "es": _es(
            "Puedes pedir una nueva fecha de pago en este enlace y la revisaremos: {link}",
            "Puede pedir una nueva fecha de pago en este enlace y la revisaremos: {link}",
        ),
        "pt": "Você pode pedir uma nova data de pagamento neste link e vamos analisá-la: {link}",
        "en": "You can ask for a new due date at this link and we will review it: {link}",
    },
    "plan_agreed": {
        "es": _es(
            "¡Listo, {name}! Quedó acordado tu plan de {instalments}. Tu primer pago es de "
            "{amount} y vence {when}. Puedes pagarlo aquí: {link}",
            "Listo, {name}: quedó acordado su plan de {instalments}. Su primer pago es de "
            "{amount} y vence {when}. Puede pagarlo aquí: {link}",
        ),
        "pt": "Pronto, {name}! Seu plano de {instalments} está combinado. O primeiro "
        "pagamento é de {amount} e vence {when}. Pague aqui: {link}",
        "en": "Done, {name}! Your plan of {instalments} is agreed. Your first payment is "
        "{amount}, due {when}. You can pay it here: {link}",
    },
    "instalments_one": {"es": "1 cuota", "pt": "1 parcela", "en": "1 instalment"},
    "instalments_many": {
        "es": "{count} cuotas",
        "pt": "{count} parcelas",
        "en": "{count} instalments",
    },
    "due_today": {"es": "hoy", "pt": "hoje", "en": "today"},
    "due_on": {"es": "el {date}", "pt": "em {date}", "en": "on {date}"},
    "choice_invalid": {
        "es": _es(
            "Esa opción no está en la lista. Elige un número del 1 al {last}.",
            "Esa opción no está en la lista. Elija un número del 1 al {last}.",
        ),
        "pt": "Essa opção não está na lista. Escolha um número de 1 a {last}.",
        "en": "That option is not on the list. Choose a number from 1 to {last}.",
    },
    "offer_expired": {
        "es": "Esas opciones ya vencieron; estas son las de hoy.",
        "pt": "Essas opções venceram; estas são as de hoje.",
        "en": "Those options have expired; here are today's.",
    },
    "offer_changed": {
        "es": _es(
            "Tu saldo cambió desde que te enviamos las opciones; estas son las nuevas.",
            "Su saldo cambió desde que le enviamos las opciones; estas son las nuevas.",
        ),
        "pt": "Seu saldo mudou desde que enviamos as opções; estas são as novas.",
        "en": "Your balance has changed since we sent the options; here are the new ones.",
    },
    "plan_not_needed": {
        "es": _es(
            "Ya no tienes saldo pendiente con {brand}, así que no hace falta un plan. ¡Gracias!",
            "Ya no tiene saldo pendiente con {brand}, así que no hace falta un plan. ¡Gracias!",
        ),
        "pt": "Você não tem mais saldo em aberto com a {brand}, então não é preciso um plano. "
        "Obrigado!",
        "en": "You no longer owe anything to {brand}, so no plan is needed. Thank you!",
    },
    "plan_refused": {
        "es": _es(
            "No pudimos acordar el plan: {error} Una persona del equipo revisará tu caso.",
            "No pudimos acordar el plan: {error} Una persona del equipo revisará su caso.",
        ),
        "pt": "Não conseguimos combinar o plano: {error} Passamos seu caso para uma pessoa "
        "da equipe.",
        "en": "We couldn't agree the plan: {error} We've passed your case to a person on our team.",
    },
    # --- Handoffs and the rest -----------------------------------------------------
    "report_which": {
        "es": _es(
            "Gracias por avisar. ¿De cuál deuda se trata? Responde con el número, o «todas»:"
            "\n{options}",
            "Gracias por avisar. ¿De cuál deuda se trata? Responda con el número, o «todas»:"
            "\n{options}",
        ),
        "pt": "Obrigado por avisar. De qual dívida se trata? Responda com o número, ou "
        "«todas»:\n{options}",
        "en": "Thanks for letting us know. Which debt is it about? Reply with its number, or "
        '"all":\n{options}',
    },
    "report_paid_ok": {
        "es": _es(
            "¡Gracias por avisar! Pausamos los recordatorios de {debts} hasta el {date} "
            "mientras una persona revisa tu pago. Si aún no enviaste el comprobante, "
            "envíalo por aquí como foto o PDF.",
            "¡Gracias por avisar! Pausamos los recordatorios de {debts} hasta el {date} "
            "mientras una persona revisa su pago. Si aún no envió el comprobante, "
            "envíelo por aquí como foto o PDF.",
        ),
        "pt": "Obrigado por avisar! Pausamos os lembretes de {debts} até {date} enquanto uma "
        "pessoa verifica seu pagamento. Se ainda não enviou o comprovante, envie por aqui "
        "como foto ou PDF.",
        "en": "Thanks for letting us know! We've paused reminders about {debts} until {date} "
        "while a person checks your payment. If you haven't sent the receipt yet, send it "
        "here as a photo or PDF.",
    },
    "report_dispute_ok": {
        "es": _es(
            "Gracias por contarnos. Pausamos los cobros de {debts} hasta el {date} mientras "
            "una persona revisa tu caso.",
            "Gracias por contarnos. Pausamos los cobros de {debts} hasta el {date} mientras "
            "una persona revisa su caso.",
        ),
        "pt": "Obrigado por nos contar. Pausamos as cobranças de {debts} até {date} enquanto "
        "uma pessoa analisa seu caso.",
        "en": "Thanks for telling us. We've paused collection of {debts} until {date} while "
        "a person reviews your case.",
    },
    "receipt_received": {
        "es": _es(
            "¡Gracias! Recibimos tu comprobante; una persona lo revisará y te avisaremos.",
            "¡Gracias! Recibimos su comprobante; una persona lo revisará y le avisaremos.",
        ),
        "pt": "Obrigado! Recebemos seu comprovante; uma pessoa vai verificar e avisaremos você.",
        "en": "Thank you! We received your receipt; a person will check it and let you know.",
    },
    "already_paid": {
        "es": _es(
            "¡Gracias por avisar! Envíanos por aquí una foto o PDF del comprobante y una "
            "persona lo revisará.",
            "¡Gracias por avisar! Envíenos por aquí una foto o PDF del comprobante y una "
            "persona lo revisará.",
        ),
        "pt": "Obrigado por avisar! Envie por aqui uma foto ou PDF do comprovante e uma "
        "pessoa vai verificar.",
        "en": "Thanks for letting us know! Send a photo or PDF of the receipt here and a "
        "person will check it.",
    },
    "dispute": {
        "es": _es(
            "Gracias por contarnos. Pausamos los cobros de esa deuda mientras una persona "
            "revisa tu caso.",
            "Gracias por contarnos. Pausamos los cobros de esa deuda mientras una persona "
            "revisa su caso.",
        ),
        "pt": "Obrigado por nos contar. Pausamos as cobranças dessa dívida enquanto uma "
        "pessoa analisa seu caso.",
        "en": "Thanks for telling us. We've paused collection on that debt while a person "
        "reviews your case.",
    },
    "direct_debit": {
        "es": _es(
            "Para el débito automático, una persona te contactará con los pasos.",
            "Para el débito automático, una persona le contactará con los pasos.",
        ),
        "pt": "Para o débito automático, uma pessoa vai entrar em contato com os passos.",
        "en": "For automatic payments, a person will contact you with the steps.",
    },
    "debit_enrol": {
        "es": _es(
            "Puedes activar el débito automático de tus cuotas aquí: {link} Guardas tu tarjeta "
            "y cada cuota se cobra el día que vence; te avisamos antes y lo puedes cancelar "
            "cuando quieras.",
            "Puede activar el débito automático de sus cuotas aquí: {link} Guarda su tarjeta "
            "y cada cuota se cobra el día que vence; le avisamos antes y lo puede cancelar "
            "cuando quiera.",
        ),
        "pt": "Você pode ativar o débito automático das parcelas aqui: {link} Você salva o "
        "cartão e cada parcela é cobrada na data; avisamos antes e você pode cancelar "
        "quando quiser.",
        "en": "You can turn on automatic payments for your instalments here: {link} You save "
        "your card and each instalment is charged on its date; we let you know first and you "
        "can cancel any time.",
    },
    "debit_active": {
        "es": _es(
            "Tu débito automático está activo: cada cuota se cobra el día que vence. Si quieres "
            "cancelarlo, escribe «cancelar domiciliación».",
            "Su débito automático está activo: cada cuota se cobra el día que vence. Si quiere "
            "cancelarlo, escriba «cancelar domiciliación».",
        ),
        "pt": "Seu débito automático está ativo: cada parcela é cobrada na data. Para "
        "cancelar, escreva «cancelar débito automático».",
        "en": "Your automatic payments are on: each instalment is charged on its date. To "
        "cancel, write «cancel autopay».",
    },
    "debit_cancelled": {
        "es": _es(
            "Listo, cancelamos tu débito automático: no haremos más cobros a tu tarjeta. "
            "Puedes pagar tus cuotas aquí: {link}",
            "Listo, cancelamos su débito automático: no haremos más cobros a su tarjeta. "
            "Puede pagar sus cuotas aquí: {link}",
        ),
        "pt": "Pronto, cancelamos seu débito automático: não faremos mais cobranças no seu "
        "cartão. Você pode pagar as parcelas aqui: {link}",
        "en": "Done, we cancelled your automatic payments: your card will not be charged "
        "again. You can pay your instalments here: {link}",
    },
    "debit_none": {
        "es": _es(
            "No tienes débito automático activo, así que no haremos cobros a tu tarjeta.",
            "No tiene débito automático activo, así que no haremos cobros a su tarjeta.",
        ),
        "pt": "Você não tem débito automático ativo, então não faremos cobranças no seu cartão.",
        "en": "You have no automatic payments on, so your card will not be charged.",
    },
    "debit_needs_plan": {
        "es": _es(
            "El débito automático es para las cuotas de un plan de pagos. Puedes elegir un "
            "plan aquí y luego activarlo: {link}",
            "El débito automático es para las cuotas de un plan de pagos. Puede elegir un "
            "plan aquí y luego activarlo: {link}",
        ),
        "pt": "O débito automático é para as parcelas de um plano de pagamento. Você pode "
        "escolher um plano aqui e depois ativá-lo: {link}",
        "en": "Automatic payments are for the instalments of a payment plan. You can choose "
        "a plan here and then turn them on: {link}",
    },
    "wrong_person": {
        "es": _es(
            "Disculpa la molestia. Dejaremos de escribir a este número.",
            "Disculpe la molestia. Dejaremos de escribir a este número.",
        ),
        "pt": "Desculpe o incômodo. Vamos deixar de escrever para este número.",
        "en": "Sorry for the trouble. We will stop writing to this number.",
    },
    "human": {
        "es": _es("Enseguida te atiende una persona.", "Enseguida le atiende una persona."),
        "pt": "Uma pessoa vai atendê-lo em breve.",
        "en": "A person will answer you shortly.",
    },
    "human_later": {
        "es": _es("Una persona te responderá {when}.", "Una persona le responderá {when}."),
        "pt": "Uma pessoa vai responder {when}.",
        "en": "A person will answer you {when}.",
    },
    "rephrase": {
        "es": _es(
            "Disculpa, no te entendí. Puedes escribir, por ejemplo: «cuánto debo», "
            "«link de pago», «pago el viernes» o «hablar con una persona».",
            "Disculpe, no le entendí. Puede escribir, por ejemplo: «cuánto debo», "
            "«link de pago», «pago el viernes» o «hablar con una persona».",
        ),
        "pt": "Desculpe, não entendi. Você pode escrever, por exemplo: «quanto devo», "
        "«link de pagamento», «pago na sexta» ou «falar com uma pessoa».",
        "en": 'Sorry, I didn\'t understand. You can write, for example: "balance", '
        '"payment link", "I\'ll pay Friday" or "talk to a person".',
    },
    "opt_out": {
        "es": _es(
            "Listo, no te enviaremos más mensajes por este medio.",
            "Listo, no le enviaremos más mensajes por este medio.",
        ),
        "pt": "Pronto, não enviaremos mais mensagens por este canal.",
        "en": "Done, you won't receive more messages here.",
    },
}


def text(key: str, language: str, register: str = "usted", **values: object) -> str:
    """The text for ``key`` in ``language`` (Spanish when unknown), in ``register`` for Spanish."""
    table = TEXTS[key]
    chosen = table.get(language, table["es"])
    if isinstance(chosen, dict):
        if register not in REGISTERS:
            raise ValueError(f"unknown register {register!r}; use one of {REGISTERS}")
        chosen = chosen[register]
    return chosen.format(**values)
