"""The four apps' modules import each other without cycles, counting imports inside
functions (import-linter's contracts in pyproject.toml check the layers)."""

import grimp

PACKAGES = ("helpdesk", "tickets", "sla", "integrations", "messaging", "knowledge")


def test_no_module_is_imported_back_by_what_it_imports():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    on_a_cycle = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.chain_exists(importer=imported, imported=importer)
    )
    assert on_a_cycle == []
