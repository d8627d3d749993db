"""The outbox (recaudo/outreach/) is the only writer of Outreach rows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "recaudo"
OWNER = PACKAGE / "outreach"
MODELS = {"Outreach", "OutreachDebt"}
WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
}
# Names the code gives to model instances of the outbox (a row, a call task, a follow-up).
INSTANCE_NAMES = {"outreach", "task", "follow_up", "row", "planned", "notice"}
# Debtor.outreach is the related manager of a debtor's rows.
RELATED_MANAGERS = {"outreach", "outreach_set", "debt_links"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
RAW_WRITE = re.compile(
    r"(UPDATE|INSERT INTO|DELETE FROM)\s+\"?(outreach_outreach|\{[^}]*\})", re.IGNORECASE
)


def _root_model(node: ast.AST, querysets: dict[str, str]) -> str | None:
    """``Outreach`` for ``Outreach.objects.filter(...).update``'s receiver chain.

    ``querysets`` holds the names the module assigned an outbox queryset to
    (``planned = Outreach.objects.filter(...)``), so a write through one is seen too.
    """
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and isinstance(node.value, ast.Name):
                return node.value.id if node.value.id in MODELS else None
            if node.attr in RELATED_MANAGERS:
                return "Outreach"
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return querysets.get(node.id)
        else:
            return None


def _writes_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    querysets: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            model = _root_model(node.value, querysets)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if model and isinstance(target, ast.Name):
                    querysets[target.id] = model
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found.extend((node.lineno, what) for what in _write_call(node, querysets))
        elif _is_raw_write(node):
            found.append((node.lineno, "raw SQL write to outreach_outreach"))
    return [f"{path}:{line}: {what}" for line, what in sorted(found)]


def _is_raw_write(node: ast.AST) -> bool:
    """A SQL string (plain or f-string) that writes the outbox's table."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(RAW_WRITE.search(node.value)) and "outreach_outreach" in node.value
    if isinstance(node, ast.JoinedStr):
        text = ast.unparse(node)
        return bool(RAW_WRITE.search(text)) and any(
            name in text for name in ("outreach_outreach", "Outreach._meta", "OutreachDebt._meta")
        )
    return False


def _write_call(node: ast.Call, querysets: dict[str, str]) -> list[str]:
    function = node.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
    first = node.args[0] if node.args else None
    if name == "insert_rows" and isinstance(first, ast.Name) and first.id in MODELS:
        return [f"insert_rows({first.id})"]
    if isinstance(function, ast.Name):
        # Making a row outside the outbox is only ever done to save it.
        return [f"{function.id}(...)"] if function.id in MODELS else []
    if not isinstance(function, ast.Attribute):
        return []
    model = _root_model(function.value, querysets)
    if function.attr in WRITES and model:
        return [f"{model}...{function.attr}()"]
    receiver = function.value
    if function.attr in {"save", "delete"}:
        if isinstance(receiver, ast.Name) and receiver.id in INSTANCE_NAMES:
            return [f"{receiver.id}.{function.attr}()"]
        if isinstance(receiver, ast.Attribute) and receiver.attr in INSTANCE_NAMES:
            return [f"....{receiver.attr}.{function.attr}()"]
    return []


def _python_files_outside_the_outbox() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and not path.is_relative_to(OWNER)
    )


def test_outreach_rows_are_written_only_by_the_outbox_app():
    writers = [line for path in _python_files_outside_the_outbox() for line in _writes_in(path)]

    assert writers == []


def test_the_writer_check_sees_each_kind_of_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Outreach.objects.filter(pk=1).update(status='cancelled')\n"
        "OutreachDebt.objects.bulk_create([])\n"
        "Outreach.objects.create(debtor=d)\n"
        "outreach.save(update_fields=['status'])\n"
        "insert_rows(Outreach, columns, rows)\n"
        "cursor.execute('UPDATE outreach_outreach SET status = %s')\n"
        "Outreach.objects.filter(pk=1).exists()\n"
        "Debt.objects.filter(pk=1).update(status='paid')\n"
        "planned = Outreach.objects.filter(status='planned')\n"
        "planned.update(status='cancelled')\n"
        "debtor.outreach.filter(status='planned').update(status='cancelled')\n"
        "Outreach._default_manager.filter(pk=1).delete()\n"
        "Outreach(debtor=d).save()\n"
        "message.outreach.save()\n"
        "bulk.insert_rows(OutreachDebt, columns, rows)\n"
        "cursor.execute(f'UPDATE {Outreach._meta.db_table} SET status = %s')\n"
        "cursor.execute('DELETE FROM \"outreach_outreach\" WHERE id = 1')\n"
        "debtor.outreach.count()\n"
    )

    assert [line.split(": ", 1)[1] for line in _writes_in(sample)] == [
        "Outreach...update()",
        "OutreachDebt...bulk_create()",
        "Outreach...create()",
        "outreach.save()",
        "insert_rows(Outreach)",
        "raw SQL write to outreach_outreach",
        "Outreach...update()",
        "Outreach...update()",
        "Outreach...delete()",
        "Outreach(...)",
        "....outreach.save()",
        "insert_rows(OutreachDebt)",
        "raw SQL write to outreach_outreach",
        "raw SQL write to outreach_outreach",
    ]
