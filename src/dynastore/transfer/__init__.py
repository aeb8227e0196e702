"""Moving whole tables: between stores (`migrate`) and to/from JSON Lines files (`export_table`, `import_file`)."""

from .checksum import Digest, digest_items, table_digest
from .jsonl import ExportResult, ImportResult, export_table, import_file
from .migrate import MigrationReport, TableReport, migrate

__all__ = [
    "Digest",
    "ExportResult",
    "ImportResult",
    "MigrationReport",
    "TableReport",
    "digest_items",
    "export_table",
    "import_file",
    "migrate",
    "table_digest",
]
