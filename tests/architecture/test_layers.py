"""The apps stay layered, and docs/architecture.md shows the graph as it is."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- import graph: begin (scripts/import_graph.py writes it) -->"
END = "<!-- import graph: end -->"


def _graph_module():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts/import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    spec.loader.exec_module(module)
    return module


def test_the_apps_import_only_downward_with_no_cycles_and_no_unexplained_deferred_imports():
    graph = _graph_module()

    assert graph.check(graph.all_edges()) == []


def test_the_architecture_doc_shows_the_graph_the_script_reads_from_the_code():
    graph = _graph_module()
    text = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()

    assert shown == graph.markdown(graph.all_edges()).strip()


def test_the_check_finds_an_import_that_runs_back_up_and_a_cycle(tmp_path, monkeypatch):
    graph = _graph_module()
    package = tmp_path / "recaudo"
    for app in ("portfolio", "outreach", "delivery"):
        (package / app).mkdir(parents=True)
        (package / app / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "portfolio/models.py").write_text("from recaudo.outreach.models import Outreach\n")
    (package / "portfolio/rules.py").write_text("from recaudo.delivery.views import page\n")
    (package / "outreach/models.py").write_text("from recaudo.portfolio.models import Debt\n")
    (package / "delivery/views.py").write_text(
        "def page():\n    from recaudo.outreach.models import Outreach\n"
    )
    monkeypatch.setattr(graph, "ROOT", tmp_path)
    monkeypatch.setattr(graph, "PACKAGE", package)

    problems = graph.check(graph.all_edges())

    assert problems == [
        "upward: recaudo/portfolio/models.py imports recaudo.outreach.models",
        "upward: recaudo/portfolio/rules.py imports recaudo.delivery.views",
        "cycle: recaudo.outreach.models -> recaudo.portfolio.models",
        "unexplained import inside a function: recaudo/delivery/views.py:2 imports "
        "recaudo.outreach.models",
    ]
