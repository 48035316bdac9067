"""The archive: a versioned JSON Lines format for importing and exporting a whole ledger.

See docs/archive-format.md for the format. ``import_archive`` streams lines into
the ledger in batches (one transaction each); ``export_archive`` writes every
act the ledger holds, in log order, so that export -> import into an empty
ledger -> export gives the same bytes.
"""

from ledger.archive.exporter import export_archive
from ledger.archive.importer import ImportReport, import_archive
from ledger.archive.schema import FORMAT_NAME, FORMAT_VERSION

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ImportReport", "export_archive", "import_archive"]
