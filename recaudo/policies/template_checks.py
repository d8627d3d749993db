"""The checks a message template passes when it is saved (not when it is sent).

Unknown placeholders, syntax errors, attribute access outside the debts'
fields, filters outside the allowlist, WhatsApp parameter lists, subjects,
and a trial render with sample values. See docs/templates.md.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from jinja2 import TemplateSyntaxError, meta, nodes

from recaudo.policies.rendering import (
    ALLOWED_FILTERS,
    DEBT_FIELDS,
    LOOP_FIELDS,
    PLACEHOLDERS,
    TEMPLATE_CHANNELS,
    RenderError,
    render_source,
    sample_context,
    syntax_message,
    text_environment,
)

# --- Checks on save ---------------------------------------------------------


def template_errors(
    *, subject: str, body: str, channel: str, whatsapp_parameters: Any
) -> dict[str, str]:
    """Problems by field name, in Spanish; an empty dict means the template is valid.

    A subject is required for email and must be empty for the other channels
    (they have none, and a leftover one would mislead whoever edits it).
    """
    errors: dict[str, str] = {}
    subject = subject or ""
    body = body or ""
    if channel not in TEMPLATE_CHANNELS:
        errors["channel"] = _("Canal desconocido: «%(channel)s». Use %(known)s.") % {
            "channel": channel,
            "known": ", ".join(TEMPLATE_CHANNELS),
        }
    if channel == "email":
        if not subject.strip():
            errors["subject"] = _("Un correo necesita un asunto.")
        elif problem := _source_problem(subject):
            errors["subject"] = problem
    elif subject.strip():
        errors["subject"] = _("Solo los correos llevan asunto; déjelo vacío para %(channel)s.") % {
            "channel": channel
        }
    body_names: set[str] | None = None
    if not body.strip():
        errors["body"] = _("El texto no puede estar vacío.")
    elif problem := _source_problem(body):
        errors["body"] = problem
    else:
        body_names = _used_placeholders(body)
    if problem := _parameters_problem(whatsapp_parameters, channel, body_names):
        errors["whatsapp_parameters"] = problem
    if "subject" not in errors and "body" not in errors:
        errors.update(_sample_render_problems(subject, body, channel))
    return errors


def _source_problem(source: str) -> str:
    environment = text_environment()
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as exc:
        return syntax_message(exc)
    problems = _structure_problems(tree)
    try:
        undeclared = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as exc:  # an unknown filter or test
        return " ".join(problems) or syntax_message(exc)
    unknown = sorted(undeclared - PLACEHOLDERS.keys())
    if any(name.name == "self" for name in tree.find_all(nodes.Name)):
        unknown.append("self")
    if unknown:
        problems.insert(
            0,
            _("Marcador desconocido: %(names)s. Los marcadores disponibles son: %(known)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "known": ", ".join(PLACEHOLDERS),
            },
        )
    if problems:
        return " ".join(problems)
    try:
        environment.compile(source)
    except TemplateSyntaxError as exc:
        return syntax_message(exc)
    return ""


def _structure_problems(tree: nodes.Template) -> list[str]:
    """Attribute access, filters and tags a message template may not use."""
    debt_names = {
        loop.target.name
        for loop in tree.find_all(nodes.For)
        if isinstance(loop.iter, nodes.Name)
        and loop.iter.name == "deudas"
        and isinstance(loop.target, nodes.Name)
    }
    problems: list[str] = []
    for node in tree.find_all(
        (
            nodes.Getattr,
            nodes.Getitem,
            nodes.Filter,
            nodes.Include,
            nodes.Import,
            nodes.FromImport,
            nodes.Extends,
        )
    ):
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            problem = _access_problem(node, debt_names)
        elif isinstance(node, nodes.Filter):
            problem = ""
            if node.name not in ALLOWED_FILTERS:
                problem = _(
                    "El filtro «|%(name)s» (línea %(line)s) no está permitido. "
                    "Los permitidos son: %(known)s."
                ) % {
                    "name": node.name,
                    "line": node.lineno,
                    "known": ", ".join(sorted(ALLOWED_FILTERS)),
                }
        else:
            problem = _(
                "Línea %(line)s: una plantilla no puede incluir, importar ni extender otras."
            ) % {"line": node.lineno}
        if problem and problem not in problems:
            problems.append(problem)
    return problems


def _access_problem(node: nodes.Getattr | nodes.Getitem, debt_names: set[str]) -> str:
    if isinstance(node, nodes.Getattr):
        attribute: object = node.attr
    elif isinstance(node.arg, nodes.Const):
        attribute = node.arg.value
    else:
        attribute = None
    described = _describe(node)
    values = {"expression": described, "line": node.lineno}
    if isinstance(attribute, str) and attribute.startswith("_"):
        return _("«%(expression)s» (línea %(line)s): los atributos internos no se pueden usar.") % (
            values
        )
    owner = node.node.name if isinstance(node.node, nodes.Name) else None
    if owner in debt_names and attribute in DEBT_FIELDS:
        return ""
    if owner == "loop" and attribute in LOOP_FIELDS:
        return ""
    if owner in debt_names:
        return _("«%(expression)s» (línea %(line)s) no existe: cada deuda tiene %(fields)s.") % {
            **values,
            "fields": ", ".join(DEBT_FIELDS),
        }
    return (
        _(
            "«%(expression)s» (línea %(line)s) no está permitido: solo las deudas de "
            "{%% for d in deudas %%} tienen campos (d.descripcion, d.monto, d.vence, d.factura)."
        )
        % values
    )


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        index = repr(node.arg.value) if isinstance(node.arg, nodes.Const) else "…"
        return f"{_describe(node.node)}[{index}]"
    return "…"


def _used_placeholders(source: str) -> set[str]:
    tree = text_environment().parse(source)
    return meta.find_undeclared_variables(tree) & PLACEHOLDERS.keys()


def _parameters_problem(parameters: Any, channel: str, body_names: set[str] | None) -> str:
    if parameters in (None, ""):
        parameters = []
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
        return _('Debe ser una lista de marcadores, por ejemplo ["nombre", "total"].')
    if not parameters:
        return ""
    if channel != "whatsapp":
        return _("Solo las plantillas de WhatsApp llevan parámetros; déjelo vacío.")
    if "deudas" in parameters:
        return _("«deudas» es una lista y no puede ser un parámetro de WhatsApp.")
    unknown = [p for p in parameters if p not in PLACEHOLDERS]
    if unknown:
        return _("Parámetro desconocido: %(names)s. Los marcadores disponibles son: %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(name for name in PLACEHOLDERS if name != "deudas"),
        }
    if body_names is not None:
        missing = [p for p in parameters if p not in body_names]
        if missing:
            return _(
                "«%(names)s» no aparece en el texto; el texto debe reproducir la plantilla "
                "aprobada en WhatsApp, con los mismos marcadores."
            ) % {"names": ", ".join(missing)}
    return ""


def _sample_render_problems(subject: str, body: str, channel: str) -> dict[str, str]:
    context = sample_context()
    problems: dict[str, str] = {}
    sources = {"body": body, "subject": subject if channel == "email" else ""}
    for field, source in sources.items():
        if not source:
            continue
        try:
            render_source(source, context)
        except RenderError as exc:
            problems[field] = _("Con valores de ejemplo falla: %(detail)s") % {"detail": exc}
    return problems
