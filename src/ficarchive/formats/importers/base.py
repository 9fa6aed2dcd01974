"""What every importer shares: the size limit and the error users see."""

from __future__ import annotations

MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ImportRejected(ValueError):
    """The file cannot be imported; ``str(error)`` says what was wrong and what to do."""
