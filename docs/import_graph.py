"""Draws the layers as they are: which package imports which, from the code itself.

`python docs/import_graph.py` prints a Mermaid flowchart of the imports between the
packages named in the import-linter `layers` contract (function-local imports included),
the one docs/architecture.md embeds; `--check` exits 1 if the document's copy is stale.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import graph: begin -->", "<!-- import graph: end -->"


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def owner(module: str, packages: list[str]) -> str | None:
    """The listed package a module belongs to (the longest prefix wins)."""
    found = [p for p in packages if module == p or module.startswith(p + ".")]
    return max(found, key=len) if found else None


def edges(packages: list[str]) -> set[tuple[str, str]]:
    graph = grimp.build_graph("kiosk", "sync", "rules", "catalog", cache_dir=None)
    found = set()
    for module in graph.modules:
        source = owner(module, packages)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = owner(imported, packages)
            if target is not None and target != source:
                found.add((source, target))
    return found


def mermaid() -> str:
    stack = layers()
    packages = [p for layer in stack for p in layer]
    node = {p: p.replace(".", "_") for p in packages}
    lines = ["```mermaid", "flowchart TD"]
    for depth, layer in enumerate(stack):
        lines.append(f'  subgraph L{depth}[" "]')
        lines.extend(f"    {node[p]}[{p}]" for p in layer)
        lines.append("  end")
    lines.extend(f"  {node[a]} --> {node[b]}" for a, b in sorted(edges(packages)))
    lines.append("```")
    return "\n".join(lines)


def embedded() -> str:
    text = DOC.read_text()
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def main(argv: list[str]) -> int:
    drawn = mermaid()
    if "--check" in argv:
        if embedded() != drawn:
            print(
                "docs/architecture.md: the import graph is stale; run python docs/import_graph.py --write"
            )
            return 1
        return 0
    if "--write" in argv:
        text = DOC.read_text()
        head, rest = text.split(BEGIN, 1)
        DOC.write_text(f"{head}{BEGIN}\n{drawn}\n{END}{rest.split(END, 1)[1]}")
        return 0
    print(drawn)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
