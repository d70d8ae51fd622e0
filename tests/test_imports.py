"""No module imports itself back through any chain of imports, lazy ones inside functions included,
across the apps too (articles.models → search.indexing → articles.models was one).

The directions between the rooms are import-linter's contracts in pyproject.toml (`make lint`);
its cycle contract looks within each package, this test over the whole project."""

import grimp

PACKAGES = ("articles", "search", "newsdesk")


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back():
    graph = grimp.build_graph(*PACKAGES)
    cycles = _cycles(graph)
    chains = []
    for component in cycles:
        first, *others = component
        back = next(graph.find_shortest_chain(other, first) for other in others)
        there = graph.find_shortest_chain(first, back[0])
        chains.append(" -> ".join([*there, *back[1:]]))
    assert not cycles, "import cycles (break them with a hook, see articles/hooks.py):\n" + "\n".join(chains)


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]:
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a", "b", "c"]]
