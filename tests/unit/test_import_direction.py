"""The import graph shows the data flow and nothing else (design.md, "Data flows one way").

discover -> loader -> validate -> evaluate -> suppress / baseline -> reporters; the pipeline
runs the stages, the commands (cli, info, config) sit on top. Every module of the package is
placed in one layer below; a module may import its own layer's modules and those of the
layers listed before it as its inputs, nothing else. Imports inside functions (the lazy
ones) count the same as those at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "ccaudit"

# layer -> its modules (a package name covers its submodules)
LAYERS: dict[str, tuple[str, ...]] = {
    "model": ("model", "errors", "files", "resources", "exitcodes", "render", "globs",
              "_config_errors", "_manifest_check", "_manifest_errors", "__init__"),
    "discover": ("discover",),
    "loader": ("loader",),
    "validate": ("validate",),
    "sources": ("importers.sources", "importers.openapi", "importers.mcp", "importers.draft"),  # tools' source files
    "law": ("datafiles", "regions", "rulesets"),  # the catalog and the rulesets, read as data
    "evaluate": ("controls", "evaluate"),
    "suppress": ("suppress", "baseline"),
    "docs": ("docs",),  # a control's page, from the law
    "reporters": ("reporters", "evidence"),  # evidence: the report of `ccaudit report`
    "pipeline": ("pipeline",),
    "commands": ("cli", "__main__", "info", "config", "importers", "authoring"),  # import, fix, init
    "build": ("generate",),  # build time only
}

# layer -> the layers it may import (besides itself): only what lies to its left
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "discover": {"model"},
    "loader": {"model"},
    "validate": {"model", "loader"},
    "sources": {"model", "loader"},
    "law": {"model", "loader"},
    "evaluate": {"model", "loader", "law", "sources"},
    "suppress": {"model", "loader", "law"},
    "docs": {"model", "law"},
    "reporters": {"model", "law", "docs"},  # a reporter reads the run's result; it never runs a stage
    "pipeline": {"model", "discover", "loader", "validate", "sources", "law", "evaluate", "suppress"},
    "commands": set(LAYERS) - {"commands", "build"},
    "build": {"model", "law"},
}


def layer_of(module: str) -> str:
    """``ccaudit.reporters.sarif`` -> ``reporters``."""
    parts = module.split(".")[1:] or ["__init__"]
    for key in (".".join(parts[:2]), parts[0]):  # a subpackage's module may sit in its own layer
        layer = next((name for name, members in LAYERS.items() if key in members), None)
        if layer is not None:
            return layer
    raise StopIteration(module)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)


def imports(path: Path) -> set[str]:
    """The ``ccaudit`` modules ``path`` imports (``from ccaudit import x`` names module ``ccaudit.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ccaudit"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ccaudit"):
            found.update(_imported(node.module, a.name) for a in node.names)
    return {m if m.split(".")[1:2] != ["__version__"] else "ccaudit" for m in found}


def _imported(module: str, name: str) -> str:
    """``from ccaudit.importers import mcp`` imports the module ``ccaudit.importers.mcp``; a name
    that is not a module is its module's."""
    submodule = ROOT.joinpath(*module.split("."), name)
    is_module = submodule.with_suffix(".py").exists() or submodule.is_dir()
    return f"{module}.{name}" if is_module or module == "ccaudit" else module


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    for path in modules():
        layer_of(module_name(path))  # StopIteration names a module left out of LAYERS


def test_the_allowed_imports_point_left_only() -> None:
    order = list(LAYERS)
    for layer, allowed in ALLOWED.items():
        assert all(order.index(other) < order.index(layer) for other in allowed), layer


def test_each_module_imports_only_its_layer_and_those_to_its_left() -> None:
    wrong = []
    for path in modules():
        module = module_name(path)
        layer = layer_of(module)
        for imported in sorted(imports(path)):
            other = layer_of(imported)
            if other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{module} ({layer}) imports {imported} ({other})")
    assert wrong == []


def test_the_check_finds_a_backward_import(tmp_path: Path) -> None:
    source = tmp_path / "junit.py"
    source.write_text("def f():\n    from ccaudit.evaluate import evaluate\n    from ccaudit import __version__\n")
    found = imports(source)
    assert found == {"ccaudit.evaluate", "ccaudit"}
    assert layer_of("ccaudit.evaluate") not in ALLOWED[layer_of("ccaudit.reporters.junit")]
