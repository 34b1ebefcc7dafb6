"""Text in a table column: cut to the terminal cells the column has, with an ellipsis."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.widgets import DataTable


def fit(text: str, columns: int) -> str:
    """`text` cut to `columns` terminal cells (a Chinese character takes two), with an ellipsis."""
    if cell_len(text) <= columns:
        return text
    while text and cell_len(text) > columns - 1:
        text = text[:-1]
    return text + "…"


def free_cells(table: DataTable[Any], column_key: str, *, at_least: int) -> int:
    """The cells `column_key`'s text may take so that the table's other columns still fit in
    its width (no horizontal scrolling, which cuts the last column without a mark);
    never fewer than `at_least` (before the first layout the table has no width yet)."""
    # Room for the vertical scrollbar whether or not it shows yet: rows are added after this.
    width = table.content_region.width - table.styles.scrollbar_size_vertical
    others = sum(
        column.get_render_width(table)
        for key, column in table.columns.items()
        if key.value != column_key
    )
    return max(at_least, width - others - 2 * table.cell_padding)
