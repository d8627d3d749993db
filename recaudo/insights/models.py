"""Attribution of payments to messages and the daily figures the dashboards read.

Every table here is derived: ``recaudo insights rebuild`` makes it again from
the source rows; the worker keeps it current (``actions.refresh``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


class Watermark(models.Model):
    """How far a fold has read its source (the last id folded), one row per fold.

    A fold locks its row (``SELECT ... FOR UPDATE SKIP LOCKED``) for its whole
    transaction: a second worker skips the fold instead of counting twice.
    """

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class Attribution(models.Model):
    """A payment credited to the messages that led to it (``rules.attribute``)."""

    payment_id = models.BigIntegerField(_("pago"), unique=True)
    creditor_id = models.BigIntegerField(_("acreedor"))
    debtor_id = models.BigIntegerField(_("deudor"))
    country = models.CharField(_("país"), max_length=2)
    currency = models.CharField(_("moneda"), max_length=3)
    amount = models.DecimalField(_("monto"), **MONEY)
    paid_at = models.DateTimeField(_("pagado el"))
    credit_days = models.PositiveSmallIntegerField(_("ventana (días)"))
    credited = models.BooleanField(_("acreditado"))
    days_after = models.PositiveSmallIntegerField(_("días desde el mensaje"))
    # The last touch: the message credited.
    outreach_id = models.BigIntegerField(_("mensaje"))
    channel = models.CharField(_("canal"), max_length=10)
    step_id = models.BigIntegerField(_("paso"), null=True)
    segment_id = models.BigIntegerField(_("segmento"), null=True)
    template_key = models.CharField(_("plantilla"), max_length=60)
    variant = models.CharField(_("variante"), max_length=40, null=True, blank=True)
    message_day = models.DateField(_("día del mensaje"))
    opened = models.BooleanField(_("enlace abierto"))
    # The first touch, kept too.
    first_outreach_id = models.BigIntegerField(_("primer mensaje"))
    first_channel = models.CharField(_("primer canal"), max_length=10)
    first_step_id = models.BigIntegerField(_("primer paso"), null=True)
    first_template_key = models.CharField(_("primera plantilla"), max_length=60)
    first_variant = models.CharField(_("primera variante"), max_length=40, null=True, blank=True)

    class Meta:
        verbose_name = _("atribución")
        verbose_name_plural = _("atribuciones")
        indexes = [models.Index(fields=["creditor_id", "paid_at"], name="attribution_paid_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.outreach_id}"


class OutreachDay(models.Model):
    """The funnel's counts of one day's contacts (by their planned day).

    Recounted by the worker for the last ``recount_days`` (statuses still move
    then); ``opened`` and the paid columns are folded in as openings and
    payments arrive.
    """

    day = models.DateField()
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)  # 0: none (a notice)
    country = models.CharField(max_length=2)
    channel = models.CharField(max_length=10)
    step_id = models.BigIntegerField(default=0)  # 0: none (a notice)
    template_key = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)
    planned = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    read = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "creditor_id",
                    "segment_id",
                    "country",
                    "channel",
                    "step_id",
                    "template_key",
                    "currency",
                ],
                name="outreach_day_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.template_key}"


class ResponseDay(models.Model):
    """Openings, opt-outs, complaints and payments credited to one day's messages.

    Folded in as the events arrive (``actions``), never recounted.
    """

    day = models.DateField()
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)
    country = models.CharField(max_length=2)
    channel = models.CharField(max_length=10)
    step_id = models.BigIntegerField(default=0)
    template_key = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)  # the payment's, or the message's
    opened = models.IntegerField(default=0)
    opted_out = models.IntegerField(default=0)
    complaints = models.IntegerField(default=0)
    paid_7 = models.IntegerField(default=0)
    paid_30 = models.IntegerField(default=0)
    credited = models.IntegerField(default=0)
    amount_7 = models.DecimalField(default=0, **MONEY)
    amount_30 = models.DecimalField(default=0, **MONEY)
    amount_credited = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "creditor_id",
                    "segment_id",
                    "country",
                    "channel",
                    "step_id",
                    "template_key",
                    "currency",
                ],
                name="response_day_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.template_key} {self.currency}"


class RefusalDay(models.Model):
    """Contacts the rules cancelled or postponed, per day, country, channel and reason."""

    day = models.DateField()
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)  # the contact's; 0: none (a notice)
    country = models.CharField(max_length=2)
    channel = models.CharField(max_length=10)
    outcome = models.CharField(max_length=10)  # cancelled / postponed
    reason = models.CharField(max_length=80)
    contacts = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "creditor_id",
                    "segment_id",
                    "country",
                    "channel",
                    "outcome",
                    "reason",
                ],
                name="refusal_segment_day_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome} {self.reason}"


class BalanceDay(models.Model):
    """The open balance on one day, per aging bucket (a daily snapshot).

    ``segment_id``: the debtor's segment at the snapshot, the one the planner put
    them in last (their newest planned contact's); 0: never planned.
    """

    day = models.DateField()
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    bucket = models.CharField(max_length=10)
    debts = models.IntegerField(default=0)
    balance = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "creditor_id", "segment_id", "country", "currency", "bucket"],
                name="balance_segment_day_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.bucket}"


class DebtState(models.Model):
    """Each open debt's bucket and balance at the last month's snapshot (for roll rates)."""

    debt_id = models.BigIntegerField(primary_key=True)
    month = models.DateField()
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)  # the debtor's at that snapshot
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    bucket = models.CharField(max_length=10)
    balance = models.DecimalField(**MONEY)

    def __str__(self) -> str:
        return f"{self.debt_id} {self.month} {self.bucket}"


class RollMonth(models.Model):
    """Where the debts of one month's buckets stood a month later (roll and cure rates)."""

    month = models.DateField()  # the later snapshot's month
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)  # the debtor's at the earlier snapshot
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    from_bucket = models.CharField(max_length=10)
    to_bucket = models.CharField(max_length=10)  # a bucket, or "closed"
    debts = models.IntegerField(default=0)
    balance = models.DecimalField(default=0, **MONEY)  # at the earlier snapshot

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "creditor_id",
                    "segment_id",
                    "country",
                    "currency",
                    "from_bucket",
                    "to_bucket",
                ],
                name="roll_segment_month_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.from_bucket} -> {self.to_bucket}"


class WeekDebtState(models.Model):
    """Each open debt's bucket and balance at the last week's first snapshot (weekly rolls)."""

    debt_id = models.BigIntegerField(primary_key=True)
    week = models.DateField()  # the Monday of the snapshot's ISO week
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    bucket = models.CharField(max_length=10)
    balance = models.DecimalField(**MONEY)

    def __str__(self) -> str:
        return f"{self.debt_id} {self.week} {self.bucket}"


class RollWeek(models.Model):
    """Where the debts of one week's buckets stood at the next week's first snapshot."""

    week = models.DateField()  # the later snapshot's week (its Monday)
    creditor_id = models.BigIntegerField()
    segment_id = models.BigIntegerField(default=0)  # the debtor's at the earlier snapshot
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    from_bucket = models.CharField(max_length=10)
    to_bucket = models.CharField(max_length=10)  # a bucket, or "closed"
    debts = models.IntegerField(default=0)
    balance = models.DecimalField(default=0, **MONEY)  # at the earlier snapshot

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "week",
                    "creditor_id",
                    "segment_id",
                    "country",
                    "currency",
                    "from_bucket",
                    "to_bucket",
                ],
                name="roll_week_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.from_bucket} -> {self.to_bucket}"


class CohortMonth(models.Model):
    """Debts placed in one month and what was recovered of them each month after."""

    cohort = models.DateField()  # first day of the placement month
    creditor_id = models.BigIntegerField()
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    months_after = models.SmallIntegerField()  # -1: the placement row itself
    placed_debts = models.IntegerField(default=0)
    placed = models.DecimalField(default=0, **MONEY)
    recovered = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "creditor_id", "country", "currency", "months_after"],
                name="cohort_month_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cohort} +{self.months_after}"


class AgentThread(models.Model):
    """The first message each agent wrote in each conversation (folded from the messages)."""

    agent_id = models.BigIntegerField()
    thread_id = models.BigIntegerField()
    first_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent_id", "thread_id"], name="agent_thread_once")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.thread_id}"


class AgentDay(models.Model):
    """Conversations an agent took up (first wrote in) per day, creditor and country."""

    day = models.DateField()
    creditor_id = models.BigIntegerField()
    country = models.CharField(max_length=2)
    agent_id = models.BigIntegerField()
    threads = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "creditor_id", "country", "agent_id"], name="agent_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agent_id}"
