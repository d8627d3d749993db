"""A creditor's agent hours as the bot needs them (see ``bot.AgentHours``)."""

from __future__ import annotations

from datetime import date

from recaudo.compliance.windows import holiday_dates
from recaudo.conversations.bot import DEFAULT_AGENT_WEEK, AgentHours
from recaudo.portfolio.models import AgentShift, Creditor
from recaudo.portfolio.rules import timezone_for


def agent_hours(creditor: Creditor, today: date) -> AgentHours:
    """The creditor's shifts (or the default week) in its team's zone, with its country's
    public holidays of this year and the next as days off."""
    shifts = list(AgentShift.objects.filter(creditor=creditor))
    week = (
        tuple(
            next(((s.starts_at, s.ends_at) for s in shifts if s.weekday == day), None)
            for day in range(7)
        )
        if shifts
        else DEFAULT_AGENT_WEEK
    )
    team_zone = creditor.agent_timezone or timezone_for(creditor.country)
    days_off = holiday_dates(creditor.country, today.year) | holiday_dates(
        creditor.country, today.year + 1
    )
    return AgentHours(week=week, timezone=team_zone, holidays=days_off)
