"""A rule pack in words, for ``recaudo rules show`` and the admin.

English, like the rest of the command line; every rule names its source.
"""

from __future__ import annotations

from recaudo.compliance.packs import WEEKDAYS, Cap, RulePack, Source

DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True)
)  # fmt: skip
PERIOD_WORDS = {
    "day": "per local day",
    "rolling_7_days": "in any rolling 7 days",
    "calendar_week": "per calendar week (Mon-Sun)",
}
SCOPE_WORDS = {
    "all": ("contact on any channel", "contacts on any channel"),
    "voice": ("phone call", "phone calls"),
    "written": (
        "written message (WhatsApp, SMS, RCS, email)",
        "written messages (WhatsApp, SMS, RCS, email)",
    ),
}


def cite(source: Source) -> str:
    text = f"[{source.law}, {source.article}; {source.basis}, confidence {source.confidence}]"
    if source.note:
        text += f" {source.note}"
    return text


def scope_words(scope: str, count: int = 2) -> str:
    singular, plural = SCOPE_WORDS.get(scope, (f"{scope} contact", f"{scope} contacts"))
    return singular if count == 1 else plural


def cap_words(cap: Cap) -> str:
    return f"At most {cap.limit} {scope_words(cap.scope, cap.limit)} {PERIOD_WORDS[cap.period]}."


def describe(pack: RulePack) -> list[str]:
    """The pack as lines of text."""
    title = f"{pack.name} ({pack.country})" if not pack.generic else pack.name
    if pack.generic:
        title += f" — used for {pack.country}, which has no pack of its own"
    lines = [title, f"Main time zone: {pack.timezone}. Rules apply in the debtor's local time."]
    lines.append("")
    lines.append("Hours (start included, end excluded):")
    for day, window in zip(WEEKDAYS, pack.windows, strict=True):
        hours = f"{window.start:%H:%M}-{window.end:%H:%M}" if window else "no contact"
        lines.append(f"  {DAY_NAMES[day]:<9}  {hours}")
    lines.append(f"  {cite(pack.windows_source)}")
    holidays = (
        "No contact on public holidays."
        if pack.holidays_excluded
        else ("Public holidays are not excluded.")
    )
    lines.append(f"{holidays} {cite(pack.holidays_source)}")
    lines.append("")
    lines.append("Frequency (every attempt counts):")
    for cap in pack.caps:
        lines.append(f"  - {cap_words(cap)} {cite(cap.source)}")
    for gap in pack.gaps:
        lines.append(
            f"  - {scope_words(gap.scope).capitalize()} at least {gap.days} local calendar days "
            f"apart. {cite(gap.source)}"
        )
    if pack.max_channels_per_week is not None and pack.channel_diversity_source is not None:
        lines.append(
            f"  - At most {pack.max_channels_per_week} channel(s) per calendar week and per "
            f"rolling 7 days. {cite(pack.channel_diversity_source)}"
        )
    if pack.after_conversation is not None:
        rule = pack.after_conversation
        lines.append(
            f"  - No {scope_words(rule.scope)} for {rule.days} days after a telephone "
            f"conversation about the debt (its day counts as the first). {cite(rule.source)}"
        )
    if not (pack.caps or pack.gaps or pack.max_channels_per_week or pack.after_conversation):
        lines.append("  - No frequency limit.")
    lines.append("")
    if pack.consent_required and pack.consent_source is not None:
        channels = ", ".join(sorted(pack.consent_required))
        lines.append(f"Prior consent needed for: {channels}. {cite(pack.consent_source)}")
    else:
        lines.append("No channel needs prior consent by this pack (WhatsApp always does).")
    if pack.retention:
        lines.append("")
        lines.append("Records kept (then deleted from the archive, docs/privacy.md):")
        lines.extend(
            f"  - {name} records: {item.years} years. {cite(item.source)}"
            for name, item in pack.retention
        )
    notices = (
        "Notices the debtor triggered (receipts, answers) count toward the frequency rules."
        if pack.notices_counted
        else "Notices the debtor triggered (receipts, answers) do not count toward the "
        "frequency rules; hours still hold."
    )
    lines.append(f"{notices} {cite(pack.notices_source)}" if pack.notices_source else notices)
    bureau = pack.credit_bureau_notice
    if bureau is not None:
        lines.append(
            f"A written notice before any credit-bureau report; the report no earlier than "
            f"{bureau.days} calendar days after it was sent. {cite(bureau.source)}"
        )
    if pack.notes:
        lines.append("")
        lines.append("Also:")
        lines.extend(f"  - {note}" for note in pack.notes)
    lines.append("")
    lines.append("Research notes, not legal advice: counsel must review this pack before use.")
    return lines
