"""Whoosh's private API stays behind one fence (search/whoosh_private.py), checked against the
whoosh3 releases it names."""

import ast
from importlib.metadata import version
from pathlib import Path

import whoosh

from search import whoosh_private

ROOT = Path(__file__).resolve().parents[2]
FENCE = Path(whoosh_private.__file__).resolve()
SOURCE = [path for package in ("articles", "search", "newsdesk") for path in sorted((ROOT / package).rglob("*.py"))]


def _private(name) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def _names(tree) -> set[str]:
    """Every identifier in `tree` that starts with one underscore."""
    found = set()
    for node in ast.walk(tree):
        for name in (
            getattr(node, "attr", None),
            getattr(node, "id", None),
            getattr(node, "arg", None),
            node.name if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.alias) else None,
        ):
            if isinstance(name, str) and _private(name):
                found.add(name)
    return found


def _whoosh_private_names() -> set[str]:
    names = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        names |= _names(ast.parse(path.read_text(encoding="utf-8")))
    return names


WHOOSH_PRIVATE = _whoosh_private_names()


def _from_whoosh(tree) -> set[str]:
    """Names bound by `from whoosh... import` or `from search.whoosh_private import`."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("whoosh", "search.whoosh_private"))
        for alias in node.names
    }


def _private_uses(tree) -> set[str]:
    """The private names a module uses that it does not define: attributes, keywords and names
    imported from whoosh, and the methods of classes built on whoosh's."""
    whoosh_bases = _from_whoosh(tree)
    overrides = {  # methods of classes built on whoosh's: a private one overrides whoosh's
        item
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and {ast.unparse(base).split(".")[0] for base in node.bases} & whoosh_bases
        for item in node.body
        if isinstance(item, ast.FunctionDef)
    }
    uses, own = {item.name for item in overrides if _private(item.name)}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            uses.add(node.attr)
            if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id == "self":
                own.add(node.attr)
        elif isinstance(node, ast.keyword) and _private(node.arg):
            uses.add(node.arg)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            uses |= {alias.name for alias in node.names if _private(alias.name)}
        elif isinstance(node, ast.FunctionDef) and _private(node.name) and node not in overrides:
            own.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and _private(node.id):
            own.add(node.id)
    return uses - own


def _whoosh_private_uses(tree) -> set[str]:
    return _private_uses(tree) & WHOOSH_PRIVATE


def test_whoosh3_is_a_release_the_fence_was_checked_against():
    installed = version("whoosh3")
    assert installed in whoosh_private.CHECKED_VERSIONS, (
        f"whoosh3 {installed} is installed, but search/whoosh_private.py, which uses Whoosh's private "
        f"API, was checked against {', '.join(whoosh_private.CHECKED_VERSIONS)} only. Read each use there "
        f"against whoosh3 {installed}'s source, run tests/search, then add {installed!r} to CHECKED_VERSIONS "
        f"(or pin whoosh3 in pyproject.toml to a checked release)."
    )


def test_every_private_name_the_fence_uses_is_still_whooshs():
    uses = _private_uses(ast.parse(FENCE.read_text(encoding="utf-8")))
    assert len(uses) > 20  # the fence does use them: the check below has something to check
    gone = sorted(uses - WHOOSH_PRIVATE)
    assert not gone, f"whoosh3 {version('whoosh3')} has none of {gone}, which search/whoosh_private.py uses"


def test_no_module_but_the_fence_uses_a_private_whoosh_name():
    found = {}
    for path in SOURCE:
        if path == FENCE or "migrations" in path.parts:
            continue
        uses = _whoosh_private_uses(ast.parse(path.read_text(encoding="utf-8")))
        if uses:
            found[str(path.relative_to(ROOT))] = sorted(uses)
    assert not found, f"Whoosh's private names outside search/whoosh_private.py (move them behind it): {found}"


def test_the_check_finds_private_uses():
    """What the fence holds, written elsewhere, is found."""
    code = """
from whoosh.writing import SegmentWriter

class Writer(SegmentWriter):
    def _flush_segment(self):
        self._check_state()

def blocks(leaf):
    return leaf._terms

writer = Writer(None, _lk=False)
"""
    assert _whoosh_private_uses(ast.parse(code)) == {"_flush_segment", "_check_state", "_terms", "_lk"}
