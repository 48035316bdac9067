"""The ``remix-ledger`` command line; ``service.cli.main`` holds the app and its entry point.

This ``__init__`` imports nothing: ``main`` reads its sibling modules through the
package (``from service.cli import archive, ...``), so a package that imported
``main`` would be a cycle.
"""
