"""Report frames: stable columns and index whatever the rows hold."""

import pandas as pd
import pytest

from core.analysis.reports import rows_to_frame
from core.errors import ValidationError

ROWS = [
    {"position_id": "P-2", "realized_pnl": -5.0, "side": "SHORT", "extra": 1},
    {"position_id": "P-1", "realized_pnl": 10.0, "side": "LONG", "extra": 2},
]


def test_rows_to_frame_keeps_column_and_row_order_and_drops_unlisted_keys():
    frame = rows_to_frame(ROWS, ["side", "position_id", "realized_pnl"])
    assert list(frame.columns) == ["side", "position_id", "realized_pnl"]
    assert frame.index.equals(pd.RangeIndex(2))
    assert frame["position_id"].tolist() == ["P-2", "P-1"]
    assert frame["realized_pnl"].dtype == "float64"


def test_rows_to_frame_moves_index_column_into_the_index():
    frame = rows_to_frame(ROWS, ["position_id", "side", "realized_pnl"], index="position_id")
    assert frame.index.name == "position_id"
    assert frame.index.tolist() == ["P-2", "P-1"]
    assert list(frame.columns) == ["side", "realized_pnl"]
    assert frame.loc["P-1", "realized_pnl"] == 10.0


@pytest.mark.parametrize("rows", [[], iter(()), ()], ids=["list", "iterator", "tuple"])
def test_rows_to_frame_of_no_rows_is_empty_with_the_columns(rows):
    frame = rows_to_frame(rows, ["position_id", "side"], index="position_id")
    assert frame.empty
    assert list(frame.columns) == ["side"]
    assert frame.index.name == "position_id"
    assert len(frame.index) == 0


def test_rows_to_frame_of_no_rows_without_index_has_every_column():
    frame = rows_to_frame([], ["a", "b"])
    assert list(frame.columns) == ["a", "b"]
    assert len(frame) == 0


def test_rows_to_frame_accepts_a_generator():
    frame = rows_to_frame(({"a": i} for i in range(3)), ["a"])
    assert frame["a"].tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("rows", "columns", "index", "pattern"),
    [
        (ROWS, ["side", "fee"], None, r"rows\[0\]: missing column\(s\) \['fee'\]; expected keys"),
        (ROWS, ["side", "side"], None, r"columns: 'side' appears twice, expected unique names"),
        (ROWS, [], None, r"columns: empty, expected at least one column name"),
        (ROWS, "side", None, r"columns: 'side' is a single string, expected a sequence"),
        (ROWS, ["side", 3], None, r"columns\[1\]: 3 is not a str"),
        (ROWS, ["side"], "position_id", r"index: 'position_id' is not one of columns \['side'\]"),
        ([("side", "LONG")], ["side"], None, r"rows\[0\]: tuple is not a mapping"),
    ],
    ids=["missing", "duplicate", "no-columns", "string-columns", "non-str", "index", "not-mapping"],
)
def test_rows_to_frame_rejects_bad_input(rows, columns, index, pattern):
    with pytest.raises(ValidationError, match=pattern):
        rows_to_frame(rows, columns, index)
