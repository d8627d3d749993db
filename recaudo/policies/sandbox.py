"""The Jinja2 sandbox message templates run in, with bounds on what a render may cost.

Jinja's ``ImmutableSandboxedEnvironment`` stops escapes (internals, changing
values) but not cost: two nested loops over a long text, a string doubled
by ``{% set s = s ~ s %}`` thirty times, or a macro that calls itself twice
would take seconds, gigabytes or forever. Here every render has a budget
(``render_bounded``), and the places a template can spend are metered:

- loops: every iterable of ``{% for %}`` (and of a recursive ``loop(...)``)
  is wrapped, each item counts against ``MAX_LOOP_ITERATIONS`` per render;
- calls (macros, ``loop(...)``) count too;
- values: ``~``, ``+``, ``*``, ``**`` and filters refuse a result longer than
  ``MAX_VALUE_LENGTH`` characters (or items), checked before a big value is built;
- output: rendered piece by piece and stopped past ``MAX_OUTPUT_LENGTH``;
- time: past ``MAX_RENDER_SECONDS`` of wall-clock time the next metered
  step stops the render.

A bound exceeded raises ``BoundExceeded`` naming it. See docs/templates.md.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

if TYPE_CHECKING:
    from jinja2 import Template as JinjaTemplate

MAX_OUTPUT_LENGTH = 20_000  # characters of one rendered text
MAX_VALUE_LENGTH = 20_000  # characters (or list items) of any value built while rendering
MAX_LOOP_ITERATIONS = 10_000  # loop items plus macro calls, per render
MAX_RENDER_SECONDS = 0.5  # wall-clock time of one render
MAX_INTEGER_BITS = 4096  # ints from * and ** (about 1,200 digits)


class BoundExceeded(SecurityError):
    """A render went past one of the bounds; the message names it, in Spanish."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    output: int = 0
    clock: Callable[[], float] = field(default=time.monotonic)

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > MAX_LOOP_ITERATIONS:
            raise BoundExceeded(
                _("más de %(limit)s vueltas de bucle o llamadas")
                % {"limit": f"{MAX_LOOP_ITERATIONS:,}".replace(",", ".")}
            )
        # The clock is read every 16th step: cheap, and a step is bounded in cost.
        if not self.steps & 15:
            self.check_time()

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            raise BoundExceeded(
                _("tarda más de %(seconds)s s en generarse")
                % {"seconds": str(MAX_RENDER_SECONDS).replace(".", ",")}
            )


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "recaudo_template_budget", default=None
)


def _spend(steps: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(steps)


def _too_long() -> BoundExceeded:
    return BoundExceeded(
        _("un valor intermedio pasa de %(limit)s caracteres")
        % {"limit": f"{MAX_VALUE_LENGTH:,}".replace(",", ".")}
    )


def _size(value: Any) -> int:
    """Characters of a text, items of a list (what an operation's result would hold)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def _check_size(value: Any) -> Any:
    if _size(value) > MAX_VALUE_LENGTH:
        raise _too_long()
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value.bit_length() > MAX_INTEGER_BITS
    ):
        raise BoundExceeded(_("un número es demasiado grande"))
    return value


def _bounded_iterable(iterable: Any) -> Iterator[Any]:
    # A generator: each item is paid for as the loop takes it.
    for item in iterable:
        _spend()
        yield item


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result is checked, and whose expensive cases are checked first."""

    takes_context = hasattr(function, "jinja_pass_arg")

    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = args[1:] if takes_context else args
        if name == "replace" and len(values) >= 3:
            text, old, new = (str(value) for value in values[:3])
            grown = (text.count(old) + (1 if not old else 0)) * max(len(new) - len(old), 0)
            if len(text) + grown > MAX_VALUE_LENGTH:
                raise _too_long()
        if (
            name == "join"
            and values
            and isinstance(values[0], list | tuple)
            and sum(len(str(value)) for value in values[0]) > MAX_VALUE_LENGTH
        ):
            raise _too_long()
        if name == "wordwrap" and values and len(str(values[0])) * 2 > MAX_VALUE_LENGTH:
            raise _too_long()
        _spend()
        return _check_size(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


class _BoundedFor(NodeTransformer):
    """Wraps every loop's iterable and every ``~`` in a metered call."""

    def _metered(self, node: nodes.Node, method: str) -> nodes.Call:
        return nodes.Call(
            nodes.EnvironmentAttribute(method), [node], [], None, None, lineno=node.lineno
        )

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._metered(node.iter, "bounded_iterable")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._metered(node, "bounded_value")


class MessageSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus bounds on time, loops, values and output (see the module)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {
            name: _bounded_filter(name, function) for name, function in self.filters.items()
        }

    @staticmethod
    def bounded_iterable(iterable: Any) -> Iterator[Any]:
        return _bounded_iterable(iterable)

    @staticmethod
    def bounded_value(value: Any) -> Any:
        return _check_size(value)

    def _generate(
        self,
        source: nodes.Template,
        name: str | None,
        filename: str | None,
        defer_init: bool = False,
    ) -> str:
        return super()._generate(_BoundedFor().visit(source), name, filename, defer_init=defer_init)

    def call(
        __self,  # Jinja's own signature
        __context: Any,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _spend()
        if isinstance(__obj, LoopContext) and len(args) == 1:
            # A recursive loop's new iterable is metered like the first one.
            args = (_bounded_iterable(args[0]),)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "%" and isinstance(left, str):
            raise SecurityError(_("el formato con % no está permitido; use ~ para unir textos"))
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left).bit_length() * abs(right) > MAX_INTEGER_BITS
        ):
            raise BoundExceeded(_("la potencia es demasiado grande"))
        if operator == "*":
            for value, times in ((left, right), (right, left)):
                if (
                    isinstance(value, str | list | tuple)
                    and isinstance(times, int)
                    and _size(value) * times > MAX_VALUE_LENGTH
                ):
                    raise BoundExceeded(_("el resultado de la multiplicación es demasiado largo"))
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS
            ):
                raise BoundExceeded(_("un número es demasiado grande"))
        if operator == "+" and _size(left) + _size(right) > MAX_VALUE_LENGTH:
            raise _too_long()
        return _check_size(super().call_binop(context, operator, left, right))


def render_bounded(template: JinjaTemplate, context: Mapping[str, Any]) -> str:
    """The template's text, within the bounds; raises BoundExceeded past one."""
    budget = _Budget(deadline=time.monotonic() + MAX_RENDER_SECONDS)
    token = _BUDGET.set(budget)
    try:
        pieces: list[str] = []
        for piece in template.generate(context):
            budget.output += len(piece)
            if budget.output > MAX_OUTPUT_LENGTH:
                raise BoundExceeded(
                    _("el texto generado pasa de %(limit)s caracteres")
                    % {"limit": f"{MAX_OUTPUT_LENGTH:,}".replace(",", ".")}
                )
            pieces.append(piece)
            if not len(pieces) & 63:
                budget.check_time()
        return "".join(pieces)
    finally:
        _BUDGET.reset(token)
