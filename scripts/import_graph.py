"""The app-level import graph of recaudo, read from the source with ast.

    python scripts/import_graph.py           # the graph, as docs/architecture.md shows it
    python scripts/import_graph.py --check   # exit 1 if the layering is broken
    python scripts/import_graph.py --write   # put the graph in docs/architecture.md

Only imports that run when a module is loaded (module top, class bodies) make the layered graph. An
import of the project inside a function must say why on its line or the line above (a comment naming
the cycle it breaks, or why it cannot load earlier); ``--check`` fails on one that does not.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "recaudo"

# Lowest first: an app may import the apps before it in this list, never those after it.
LAYERS = (
    "operations",
    "portfolio",
    "compliance",
    "policies",
    "outreach",
    "payments",
    "conversations",
    "reports",
    "learning",
    "insights",
    "delivery",
    "privacy",
    "staff",
    "integrations",
)
# Beside the layers: may import any of them; none of them imports it.
BESIDE = ("sandbox",)


@dataclass(frozen=True)
class Edge:
    source: str  # module path, e.g. recaudo/outreach/planner.py
    target: str  # imported module, e.g. recaudo.payments.links
    top_level: bool
    line: int = 0
    explained: bool = False  # a comment on its line or the line above


def app_of_module(dotted: str) -> str:
    parts = dotted.split(".")
    if len(parts) < 2 or parts[0] != "recaudo":
        return ""
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "project"


def app_of_path(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else "project"


def module_of_path(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path) -> list[Edge]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text, filename=str(path))

    def explained(line: int) -> bool:
        here = lines[line - 1]
        above = lines[line - 2].strip() if line >= 2 else ""
        return "#" in here or above.startswith("#")

    module = module_of_path(path)
    source = str(path.relative_to(ROOT))
    edges: list[Edge] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                edges.extend(
                    Edge(
                        source,
                        alias.name,
                        not in_function,
                        child.lineno,
                        explained(child.lineno),
                    )
                    for alias in child.names
                    if alias.name.startswith("recaudo")
                )
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(child, module, path.name == "__init__.py")
                if target.startswith("recaudo"):
                    # `from recaudo.app import module` names a module too; count the deeper one
                    # where it exists so file-level cycles are found.
                    for alias in child.names:
                        deeper = f"{target}.{alias.name}"
                        edges.append(
                            Edge(
                                source,
                                deeper if _is_module(deeper) else target,
                                not in_function,
                                child.lineno,
                                explained(child.lineno),
                            )
                        )
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # imports for the type checker only never run
            else:
                visit(
                    child,
                    in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef),
                )

    visit(tree, False)
    return edges


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def source_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    )


def all_edges() -> list[Edge]:
    return [edge for path in source_files() for edge in imports_of(path)]


def app_graph(edges: list[Edge]) -> dict[tuple[str, str], int]:
    """How many top-level imports run from one app into another."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for edge in edges:
        source = app_of_path(ROOT / edge.source)
        target = app_of_module(edge.target)
        if edge.top_level and target and source != target:
            counts[(source, target)] += 1
    return dict(counts)


def rank(app: str) -> int | None:
    return LAYERS.index(app) if app in LAYERS else None


def upward_edges(edges: list[Edge]) -> list[Edge]:
    """Top-level imports from a lower layer into a higher one or into the sandbox, one per pair."""
    found: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        if not edge.top_level:
            continue
        source = app_of_path(ROOT / edge.source)
        target = app_of_module(edge.target)
        source_rank, target_rank = rank(source), rank(target)
        if (target in BESIDE and source not in BESIDE and source != "project") or (
            source_rank is not None and target_rank is not None and target_rank > source_rank
        ):
            found.setdefault((edge.source, edge.target), edge)
    return list(found.values())


def file_cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected groups of modules (top-level imports) that span more than one app."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        if edge.top_level:
            graph[module_of_path(ROOT / edge.source)].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph.get(node, ())):
            if neighbour not in index:
                connect(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [group for group in groups if len({app_of_module(m) for m in group}) > 1]


def function_level_imports(edges: list[Edge]) -> list[Edge]:
    """Project imports inside functions, one per statement."""
    found: dict[tuple[str, int], Edge] = {}
    for edge in edges:
        if not edge.top_level:
            found.setdefault((edge.source, edge.line), edge)
    return sorted(found.values(), key=lambda edge: (edge.source, edge.line))


def markdown(edges: list[Edge]) -> str:
    counts = app_graph(edges)
    order = [*LAYERS, *BESIDE, "project"]
    lines = ["```", "app            imports (top-level imports counted)"]
    for app in order:
        targets = sorted(
            ((target, n) for (source, target), n in counts.items() if source == app),
            key=lambda item: order.index(item[0]) if item[0] in order else len(order),
        )
        described = ", ".join(f"{target} ({n})" for target, n in targets) or "-"
        lines.append(f"{app:<14} {described}")
    lines.append("```")
    upward = upward_edges(edges)
    lines.append("")
    lines.append(f"Imports that run back up a layer: {len(upward)}.")
    lines.extend(f"- `{edge.source}` imports `{edge.target}`" for edge in upward)
    lines.append(f"Import cycles between files of different apps: {len(file_cycles(edges))}.")
    deferred = function_level_imports(edges)
    lines.append("")
    lines.append(f"Imports of the project inside functions: {len(deferred)}, each with its reason.")
    lines.extend(f"- `{edge.source}:{edge.line}` imports `{edge.target}`" for edge in deferred)
    return "\n".join(lines)


def check(edges: list[Edge]) -> list[str]:
    """What breaks the layering: more than one import back up, a cross-app cycle, an unexplained
    import inside a function."""
    problems = []
    upward = upward_edges(edges)
    if len(upward) > 1:
        problems += [f"upward: {edge.source} imports {edge.target}" for edge in upward]
    problems += ["cycle: " + " -> ".join(group) for group in file_cycles(edges)]
    problems += [
        f"unexplained import inside a function: {edge.source}:{edge.line} imports {edge.target}"
        for edge in function_level_imports(edges)
        if not edge.explained
    ]
    return problems


BEGIN = "<!-- import graph: begin (scripts/import_graph.py writes it) -->"
END = "<!-- import graph: end -->"


def write_doc(edges: list[Edge]) -> None:
    doc = ROOT / "docs" / "architecture.md"
    text = doc.read_text(encoding="utf-8")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    doc.write_text(f"{before}{BEGIN}\n{markdown(edges)}\n{END}{after}", encoding="utf-8")


def main(argv: list[str]) -> int:
    edges = all_edges()
    if "--write" in argv:
        write_doc(edges)
        return 0
    if "--check" in argv:
        problems = check(edges)
        print("\n".join(problems) or "layers: ok")
        return 1 if problems else 0
    print(markdown(edges))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
