"""What Meta checks in interactive messages and template components, for the WhatsApp fake.

Interactive messages (``type: interactive``) go only inside the 24-hour
customer-service window (the fake's window check, 131047). Their limits, as
Meta and its SDKs state them (docs/channels.md, "Interactive messages"):

- reply buttons: 1 to 3, each a ``reply`` with an ``id`` of at most 256
  characters and a ``title`` of at most 20, titles unique in the message
  (WhatsApp Node SDK ButtonObject; Meta "Interactive reply buttons messages");
- list: a ``button`` label of at most 20 characters; 1 to 10 sections with
  at most 10 rows across all of them; a section title (at most 24
  characters) required once there are two sections; a row ``id`` of at most
  200 characters, ``title`` at most 24, ``description`` at most 72 (Node SDK
  RowObject, ActionList, ListSection; Meta "Interactive list messages");
- the body text of either: required, at most 1,024 characters; a footer at
  most 60 (Node SDK InteractiveObject).

A missing field is error 131008, a value beyond a limit 131009, each with
Meta's error shape and a ``details`` naming the field.

Templates with a media header or buttons must be sent with matching
components: the header's parameter of the approved format (a ``document``
with a ``link`` or ``id``) and ``quick_reply`` buttons only at the indexes
where the template has them. A missing or extra parameter is 132000 (number
of parameters), a parameter of another format 132012 (format mismatch).
"""

from __future__ import annotations

from typing import Any

BODY_MAX = 1024
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
SECTION_TITLE_MAX = 24
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72

Refusal = tuple[int, str]  # (Meta's error code, details)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _too_long(value: str, limit: int, field: str) -> Refusal | None:
    if len(value) > limit:
        return 131009, f"{field} length invalid. Min length: 1, Max length: {limit}"
    return None


def check_interactive(interactive: Any) -> str | Refusal:
    """The text the phone shows (body, then the choices), or Meta's refusal."""
    if not isinstance(interactive, dict):
        return 131008, "The parameter 'interactive' is required."
    kind = interactive.get("type")
    body = _text((interactive.get("body") or {}).get("text"))
    if not body:
        return 131008, "The parameter 'interactive.body.text' is required."
    refused = _too_long(body, BODY_MAX, "Body text")
    footer = _text((interactive.get("footer") or {}).get("text"))
    if refused is None and footer is not None:
        refused = _too_long(footer, FOOTER_MAX, "Footer text")
    if refused is not None:
        return refused
    action = interactive.get("action")
    if not isinstance(action, dict):
        return 131008, "The parameter 'interactive.action' is required."
    if kind == "button":
        return _check_buttons(body, action)
    if kind == "list":
        return _check_list(body, action)
    return 131009, f"Invalid interactive type: {kind!r}."


def _check_buttons(body: str, action: dict[str, Any]) -> str | Refusal:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        return 131008, "The parameter 'interactive.action.buttons' is required."
    if len(buttons) > BUTTONS_MAX:
        return 131009, f"Buttons count invalid. Min: 1, Max: {BUTTONS_MAX}"
    titles: list[str] = []
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if (
            not isinstance(button, dict)
            or button.get("type") != "reply"
            or not isinstance(reply, dict)
        ):
            return 131009, "Each button must be {'type': 'reply', 'reply': {id, title}}."
        button_id, title = _text(reply.get("id")), _text(reply.get("title"))
        if not button_id or not title:
            return 131008, "The parameters 'reply.id' and 'reply.title' are required."
        refused = _too_long(title, BUTTON_TITLE_MAX, "Button title") or _too_long(
            button_id, BUTTON_ID_MAX, "Button id"
        )
        if refused is not None:
            return refused
        if title in titles:
            return 131009, "Button title must be unique within the message."
        titles.append(title)
    return body + "\n" + " ".join(f"[{title}]" for title in titles)


def _check_list(body: str, action: dict[str, Any]) -> str | Refusal:
    label = _text(action.get("button"))
    if not label:
        return 131008, "The parameter 'interactive.action.button' is required."
    refused = _too_long(label, LIST_BUTTON_MAX, "Button label")
    if refused is not None:
        return refused
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        return 131008, "The parameter 'interactive.action.sections' is required."
    if len(sections) > SECTIONS_MAX:
        return 131009, f"Sections count invalid. Min: 1, Max: {SECTIONS_MAX}"
    titles: list[str] = []
    count = 0
    for section in sections:
        if not isinstance(section, dict):
            return 131009, "Each section must be an object with 'rows'."
        section_title = _text(section.get("title"))
        if len(sections) > 1 and not section_title:
            return 131008, "Section title is required when there is more than one section."
        if section_title:
            refused = _too_long(section_title, SECTION_TITLE_MAX, "Section title")
            if refused is not None:
                return refused
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            return 131008, "The parameter 'sections.rows' is required."
        for row in rows:
            count += 1
            if count > ROWS_MAX:
                return 131009, f"Rows count invalid. Max rows across all sections: {ROWS_MAX}"
            if not isinstance(row, dict):
                return 131009, "Each row must be an object {id, title, description?}."
            row_id, title = _text(row.get("id")), _text(row.get("title"))
            if not row_id or not title:
                return 131008, "The parameters 'row.id' and 'row.title' are required."
            description = _text(row.get("description"))
            refused = (
                _too_long(row_id, ROW_ID_MAX, "Row id")
                or _too_long(title, ROW_TITLE_MAX, "Row title")
                or (
                    _too_long(description, ROW_DESCRIPTION_MAX, "Row description")
                    if description is not None
                    else None
                )
            )
            if refused is not None:
                return refused
            titles.append(title)
    return f"{body}\n[{label}] " + " · ".join(titles)


def check_components(
    components: list[Any], header: str, buttons: tuple[str, ...] | None
) -> Refusal | None:
    """The header and button components of a template send against the approved template.

    ``header``: the approved header's media format ("document") or "" for none;
    ``buttons``: the approved buttons' kinds by index ("url", "quick_reply"),
    or None when the catalog does not know them (not checked).
    """
    sent_headers = [c for c in components if str(c.get("type", "")).lower() == "header"]
    parameters = [p for c in sent_headers for p in (c.get("parameters") or [])]
    expected = 1 if header else 0
    if len(parameters) != expected:
        return 132000, (
            f"header: number of localizable_params ({len(parameters)}) does not match the "
            f"expected number of params ({expected})"
        )
    if header:
        parameter = parameters[0] if isinstance(parameters[0], dict) else {}
        kind = str(parameter.get("type", ""))
        if kind != header:
            return (
                132012,
                f"header: Format mismatch, expected {header.upper()}, received {kind.upper()}",
            )
        media = parameter.get(header)
        if not isinstance(media, dict) or not (media.get("link") or media.get("id")):
            return 131008, f"header: the {header} needs a 'link' or an 'id'."
    if buttons is None:
        return None
    for component in components:
        if str(component.get("type", "")).lower() != "button":
            continue
        try:
            index = int(component.get("index"))
        except (TypeError, ValueError):
            return 131008, "button: the parameter 'index' is required."
        if not 0 <= index < len(buttons):
            return 132000, f"button at index {index}: the template has {len(buttons)} buttons"
        sub_type = str(component.get("sub_type", "")).lower()
        if sub_type != buttons[index]:
            return 132012, (
                f"button at index {index}: Format mismatch, expected {buttons[index].upper()}, "
                f"received {sub_type.upper()}"
            )
        kinds = {str(p.get("type")) for p in component.get("parameters") or []}
        if sub_type == "quick_reply" and kinds - {"payload"}:
            return 132012, f"button at index {index}: a quick reply takes a 'payload' parameter"
    return None
