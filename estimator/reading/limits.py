"""How much the file readers read at a time, and the sizes they refuse to exceed.

Read through the module (``limits.BLOCK_BYTES``), so a test can shrink one to reach a block
boundary with a small file.
"""

from __future__ import annotations

SNIFF_BYTES = 64 * 1024
"""How much of the start of a text file is used to detect encoding and delimiter."""
BLOCK_BYTES = 4 * 1024 * 1024
"""Bytes read at a time; a CSV block is parsed once it holds whole records."""
MAX_RECORD_BYTES = 64 * 1024 * 1024
"""A single CSV record longer than this is taken as a quote that never closes."""
MAX_BATCH_BYTES = 64 * 1024 * 1024
"""A batch is handed over early once its text reaches this size."""
