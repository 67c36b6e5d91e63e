"""The house in stages: the import graph read from the code, as a newcomer would draw it.

`make test` also runs `lint-imports` (the contracts in pyproject.toml); these tests check what
import-linter's contracts do not: no cycle anywhere, a short longest chain, rooms of a size a
person can hold in their head, no private name reached into from another module, and package
``__init__`` files that say what the package is for and import nothing.
"""

from __future__ import annotations

import ast
import tomllib
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"
MAX_CHAIN = 9
"""Modules along the longest import path (``generator.__main__`` down to ``core.errors``)."""
MAX_LINES = 600
BIG_ON_PURPOSE = {"generator.draws.verify_draw"}
"""The one-file, stdlib-only verifier that the site offers for download stays whole."""


@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("generator", include_external_packages=False)


def _edges() -> dict[str, set[str]]:
    graph = _graph()
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}


def _module_file(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components, iteratively (the graph is small, but recursion limits are not)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start, targets in edges.items():
        if start in index:
            continue
        work = [(start, iter(sorted(targets)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def _longest_chain(edges: dict[str, set[str]]) -> list[str]:
    longest: dict[str, list[str]] = {}

    def chain(module: str) -> list[str]:
        if module not in longest:
            longest[module] = [module]  # guards a cycle; test_no_import_cycles reports it
            below = [chain(m) for m in sorted(edges[module])]
            longest[module] = [module, *max(below, key=len, default=[])]
        return longest[module]

    return max((chain(m) for m in edges), key=len)


def test_no_import_cycles() -> None:
    cycles = [c for c in _strongly_connected(_edges()) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_the_longest_import_chain_is_short() -> None:
    chain = _longest_chain(_edges())
    assert len(chain) <= MAX_CHAIN, " → ".join(chain)


def test_every_stage_module_is_a_room_a_person_can_hold_in_their_head() -> None:
    sizes = {m: len(_module_file(m).read_text(encoding="utf-8").splitlines()) for m in _edges()}
    too_big = {m: n for m, n in sizes.items() if n > MAX_LINES and m not in BIG_ON_PURPOSE}
    assert too_big == {}


def test_no_private_name_is_imported_from_another_module() -> None:
    reached: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("generator"):
                reached += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and alias.name != "__version__"
                ]
    assert reached == []


@cache
def _packages() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)


@pytest.mark.parametrize("init", _packages(), ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_each_package_says_what_it_is_for_and_imports_nothing(init: Path) -> None:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring and "\n" not in docstring.strip(), "one line: what it is for, what it imports"
    assert "import" in docstring, "the line says what the package may import"
    assert [type(n).__name__ for n in tree.body] == ["Expr"], "docstring only, no re-exports"


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    stages = next(c for c in contracts if c["id"] == "stages")
    return [[m.strip() for m in layer.split("|")] for layer in stages["layers"]]


def test_every_stage_package_is_in_the_layers_contract() -> None:
    layered = {m for layer in _layers() for m in layer}
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in _packages()}
    top_level = {p for p in packages if p.count(".") == 1}
    loose = sorted(
        m for m in _edges()
        if m.count(".") == 1 and m not in layered and m not in ("generator.__main__",)
        and m not in top_level
    )
    assert top_level <= layered, sorted(top_level - layered)
    assert loose == [], "a top-level module outside the layers escapes the contract"


def test_the_architecture_map_names_the_same_layers_as_the_contract() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    opening = text.split("\n## ", 2)[1]  # the first section: the map
    for layer in _layers():
        for module in layer:
            assert f"`{module.removeprefix('generator.')}" in opening, module
