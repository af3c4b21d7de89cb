"""Turn rows of plain dicts (one per order, fill, position...) into pandas report frames.

A report's shape never depends on its content: the columns are the ones asked for, in that
order, and an empty report is an empty frame with those columns, so code that reads a report
works the same whether the run traded or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from core.errors import ValidationError

__all__ = ["rows_to_frame"]


def rows_to_frame(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    index: str | None = None,
) -> pd.DataFrame:
    """Return a frame with one row per mapping and exactly `columns`, in their order.

    Each row must have every name in `columns`; keys not in `columns` are ignored, so a caller
    can pass whole ``to_dict()`` records and select what the report shows. Values are taken as
    they are (pandas infers each column's dtype).

    Parameters
    ----------
    rows : iterable of mapping
        The records, one per report row, in report order.
    columns : sequence of str
        The column names, unique, in display order.
    index : str, optional
        One of `columns` to move into the index (keeping its name); the rows keep their order.
        Without it the index is the default ``RangeIndex``.

    Returns
    -------
    pandas.DataFrame
        ``len(rows)`` rows; its columns are `columns` without `index`. With no rows, an empty
        frame with the same columns (dtype ``object``) and, if `index` is given, an empty index
        with that name.

    Raises
    ------
    ValidationError
        If `columns` is empty, not all strings or holds a duplicate, `index` is not one of
        `columns`, a row is not a mapping, or a row lacks one of `columns`.
    """
    if isinstance(columns, str):
        raise ValidationError(
            f"columns: {columns!r} is a single string, expected a sequence of column names "
            f"(e.g. [{columns!r}])"
        )
    names = list(columns)
    if not names:
        raise ValidationError("columns: empty, expected at least one column name")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise ValidationError(f"columns[{i}]: {name!r} is not a str, expected a column name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationError(f"columns: {name!r} appears twice, expected unique names")
        seen.add(name)
    if index is not None and index not in seen:
        raise ValidationError(f"index: {index!r} is not one of columns {names}")

    data: dict[str, list[Any]] = {name: [] for name in names}
    for r, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValidationError(
                f"rows[{r}]: {type(row).__name__} is not a mapping, expected a dict of "
                "column name to value"
            )
        missing = [name for name in names if name not in row]
        if missing:
            raise ValidationError(f"rows[{r}]: missing column(s) {missing}; expected keys {names}")
        for name in names:
            data[name].append(row[name])

    if not data[names[0]]:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    else:
        frame = pd.DataFrame(data, columns=names)
    if index is not None:
        frame = frame.set_index(index)
    return frame
