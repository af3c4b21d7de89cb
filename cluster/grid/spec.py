"""The grid spec: a `BacktestRunConfig` template, parameter axes, a constraint, walk-forward windows.

A grid file is TOML (or YAML/JSON) like every config, and is checked when it is loaded::

    [grid]
    name = "ema_sweep"                       # names the folder .flotilla/grids/<name>
    max_cells = 100000                        # refuse a grid asking for more (the default)
    statistic = "Sharpe Ratio (252 days)"     # what walk-forward and the report optimise
    constraint = "fast_ema_period < slow_ema_period"
    template_path = "ema_cross.toml"         # or an inline [template] table
    # memory_data = "pkg.module:function"     # small data sent once through Ray's object
                                              # store instead of the catalog

    [[axes]]
    path = "strategies[0].config.fast_ema_period"
    values = [5, 10, 20]

    [[axes]]
    path = "strategies[0].config.slow_ema_period"
    range = { start = 20, stop = 60, step = 10 }      # stop included when reached

    [[axes]]
    path = "venues[0].default_leverage"
    log_range = { start = 1, stop = 100, num = 5 }    # geometric; integer = true rounds

    [walk_forward]                            # optional
    mode = "rolling"                          # or "anchored" (train always from start)
    start = "2024-01-01"
    end = "2024-12-31"
    train = "90D"
    test = "30D"                              # step defaults to test

An axis sets one field of the template, addressed by its path (``venues[0].default_leverage``,
``engine.seed``, ``strategies[0].config.fast_ema_period``); its name (the last path part unless
given) is what the constraint and the results table use. The cells are the product of the axes
(first axis slowest) that satisfy the constraint, times the walk-forward train windows. Each cell
is a concrete `BacktestRunConfig` identified by its content hash, ``cell.id == cell.config.id``.

The number of cells is known before any is built: the product of the axes' lengths (each
computed from ``values``, ``range`` or ``log_range`` without expanding it) times the windows
(computed from the span, ``train``, ``test`` and ``step``), plus one test cell per window. A
constraint can only remove cells, so a grid whose count is over ``grid.max_cells`` is refused
with the count, however few cells the constraint would keep; a short file cannot ask for
billions of configs.

Errors name the file, the field's path, the value and what was expected::

    grid.toml: axes[1].path: 'strategies[2].config.x': index 2 out of range, the template has 1 strategies
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import operator
import re
from pathlib import Path
from typing import Any

import msgspec

from core.errors import ConfigError
from node.config import (
    BacktestRunConfig,
    NodeConfig,
    config_from_dict,
    config_to_dict,
    parse_time_ns,
)

__all__ = [
    "Axis",
    "AxisConfig",
    "GridCell",
    "GridConfig",
    "GridSpec",
    "LogRangeConfig",
    "RangeConfig",
    "WalkForwardConfig",
    "WalkForwardWindow",
    "load_grid_spec",
    "parse_field_path",
]

_Scalar = int | float | str | bool
_MODES = ("rolling", "anchored")
DEFAULT_MAX_CELLS = 100_000
# A grid's name is a folder under .flotilla/grids: one path part, never "..", no separators.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


class _Strict(NodeConfig, frozen=True, kw_only=True):
    pass


def _check_finite(config: msgspec.Struct, fields: tuple[str, ...]) -> None:
    for name in fields:
        value = getattr(config, name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{name}: expected a finite number, got {value}")


class RangeConfig(_Strict, frozen=True, kw_only=True):
    """``start, start + step, ...`` up to and including `stop` when reached."""

    start: int | float
    stop: int | float
    step: int | float

    def __post_init__(self) -> None:
        _check_finite(self, ("start", "stop", "step"))
        if self.step <= 0:
            raise ConfigError(f"step: expected > 0, got {self.step}")
        if self.stop < self.start:
            raise ConfigError(f"stop: expected >= start {self.start}, got {self.stop}")
        if not math.isfinite((self.stop - self.start) / self.step):
            raise ConfigError(
                f"step: {self.step} makes more values from {self.start} to {self.stop} than can "
                f"be counted, expected a larger step"
            )


class LogRangeConfig(_Strict, frozen=True, kw_only=True):
    """`num` values spaced geometrically from `start` to `stop` (both included)."""

    start: int | float
    stop: int | float
    num: int
    integer: bool = False

    def __post_init__(self) -> None:
        _check_finite(self, ("start", "stop"))
        if self.start <= 0:
            raise ConfigError(f"start: expected > 0 for a log range, got {self.start}")
        if self.stop <= self.start:
            raise ConfigError(f"stop: expected > start {self.start}, got {self.stop}")
        if self.num < 2:
            raise ConfigError(f"num: expected >= 2 values, got {self.num}")


class AxisConfig(_Strict, frozen=True, kw_only=True):
    """One parameter axis: a field path and exactly one of `values`, `range`, `log_range`."""

    path: str
    name: str | None = None
    values: list[_Scalar] | None = None
    range: RangeConfig | None = None
    log_range: LogRangeConfig | None = None

    def __post_init__(self) -> None:
        parse_field_path(self.path)
        given = [k for k in ("values", "range", "log_range") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ConfigError(
                f"values: expected exactly one of values, range, log_range, got "
                f"{', '.join(given) or 'none'}"
            )
        if self.values is not None and not self.values:
            raise ConfigError("values: expected at least one value, got []")
        if self.name is not None and not self.name.isidentifier():
            raise ConfigError(f"name: expected an identifier such as 'fast', got {self.name!r}")


class WalkForwardConfig(_Strict, frozen=True, kw_only=True):
    """Walk-forward windows: train on one span, test on the span after it, move on by `step`."""

    mode: str = "rolling"
    start: int | str
    end: int | str
    train: str
    test: str
    step: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise ConfigError(f"mode: expected one of {', '.join(_MODES)}, got {self.mode!r}")
        start = parse_time_ns(self.start, "start")
        end = parse_time_ns(self.end, "end")
        if end <= start:
            raise ConfigError(f"end: expected > start {self.start}, got {self.end!r}")
        for name in ("train", "test", "step"):
            if getattr(self, name) is not None:
                _duration_ns(getattr(self, name), name)


class GridConfig(_Strict, frozen=True, kw_only=True):
    """The ``[grid]`` table.

    ``name`` names the results folder ``.flotilla/grids/<name>``, so it is one path part:
    1 to 100 letters, digits, ``_``, ``.`` or ``-``, starting with a letter or digit, without
    ``..``. ``max_cells`` caps the cells a grid may ask for (see the module notes).
    """

    name: str = "grid"
    statistic: str = "Sharpe Ratio (252 days)"
    currency: str | None = None
    maximize: bool = True
    constraint: str | None = None
    template_path: str | None = None
    memory_data: str | None = None
    max_cells: int = DEFAULT_MAX_CELLS

    def __post_init__(self) -> None:
        check_grid_name(self.name)
        if self.max_cells < 1:
            raise ConfigError(f"max_cells: expected >= 1, got {self.max_cells}")
        if self.memory_data is not None and (
            self.memory_data.count(":") != 1 or not all(self.memory_data.split(":"))
        ):
            raise ConfigError(
                f"memory_data: expected a function path 'package.module:function' returning "
                f"InMemoryData, got {self.memory_data!r}"
            )


class _GridFile(_Strict, frozen=True, kw_only=True):
    grid: GridConfig = msgspec.field(default_factory=GridConfig)
    template: dict[str, Any] | None = None
    axes: list[AxisConfig]
    walk_forward: WalkForwardConfig | None = None

    def __post_init__(self) -> None:
        if not self.axes:
            raise ConfigError("axes: expected at least one axis, got []")


class Axis(msgspec.Struct, frozen=True):
    """A resolved axis: its name, the field path and the values, in order."""

    name: str
    path: str
    values: tuple


class WalkForwardWindow(msgspec.Struct, frozen=True):
    """One walk-forward window; bounds in UNIX ns, both ends inclusive."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int


class GridCell(msgspec.Struct, frozen=True, kw_only=True):
    """One run of a grid.

    Attributes
    ----------
    id : str
        The config's content hash (`BacktestRunConfig.id`).
    index : tuple of int
        The position of each axis value (one per axis, in axis order).
    params : dict
        Axis name to value.
    role : {"full", "train", "test"}
        A plain grid's cells are "full"; walk-forward has "train" and "test" cells.
    window : int or None
        The walk-forward window, if any.
    config : BacktestRunConfig
    """

    id: str
    index: tuple[int, ...]
    params: dict[str, Any]
    role: str
    window: int | None
    config: BacktestRunConfig

    def label(self) -> str:
        """Return ``name=value, ...`` for messages."""
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


def check_grid_name(name: str, field: str = "name") -> None:
    """Refuse a grid name that is not one safe folder name.

    Raises
    ------
    ConfigError
        ``name: expected ..., got '../../x'``.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        shown = repr(name) if len(str(name)) <= 60 else f"{str(name)[:40]!r}... ({len(name)} chars)"
        raise ConfigError(
            f"{field}: expected 1 to 100 letters, digits, '_', '.' or '-', starting with a letter "
            f"or digit, without '..' (it names the folder .flotilla/grids/<name>), got {shown}"
        )


# -- field paths ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_field_path(path: str) -> list[str | int]:
    """Return the keys and indices of ``"strategies[0].config.fast_ema_period"``.

    Raises
    ------
    ConfigError
        If the path is not dotted names with ``[index]`` parts.
    """
    if not isinstance(path, str) or not path:
        raise ConfigError(f"path: expected a field path such as 'engine.seed', got {path!r}")
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None or (position == 0 and match.group(0).startswith(".")):
            raise ConfigError(
                f"path: {path!r} invalid at character {position}, expected names joined by '.' "
                f"and [index] parts, such as 'strategies[0].config.fast_ema_period'"
            )
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    return parts


def _set_path(data: dict, path: str, value: Any) -> None:
    """Set ``path`` in plain config data; a missing last key is added (the config checks it)."""
    parts = parse_field_path(path)
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = _path_text(parts[:depth]) or "the template"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ConfigError(f"{path!r}: {where} is not a list, cannot index [{part}]")
            if part >= len(node):
                raise ConfigError(
                    f"{path!r}: index {part} out of range, {where} has {len(node)} entries"
                )
        else:
            if not isinstance(node, dict):
                raise ConfigError(f"{path!r}: {where} is not a table, cannot take .{part}")
            if part not in node and not last:
                raise ConfigError(
                    f"{path!r}: {where} has no field {part!r}, expected one of "
                    f"{', '.join(sorted(map(str, node)))}"
                )
        if last:
            node[part] = value
        else:
            node = node[part]


def _path_text(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# -- constraint ----------------------------------------------------------------------------------

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS = {"abs": abs, "min": min, "max": max}


class _Constraint:
    """A boolean expression over axis names, evaluated without `eval` (names, numbers,
    arithmetic, comparisons, and/or/not, abs/min/max)."""

    def __init__(self, text: str, names: list[str]) -> None:
        try:
            self._tree = ast.parse(text, mode="eval").body
        except SyntaxError as err:
            raise ConfigError(
                f"grid.constraint: {text!r} is not an expression ({err.msg} at column "
                f"{err.offset}), expected e.g. 'fast_ema_period < slow_ema_period'"
            ) from err
        self.text = text
        self._names = names
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if node.id not in self._names and node.id not in _FUNCTIONS:
                raise ConfigError(
                    f"grid.constraint: {self.text!r} uses unknown name {node.id!r}, expected an "
                    f"axis name: {', '.join(self._names)}"
                )
            return
        allowed = (
            ast.Constant,
            ast.BinOp,
            ast.UnaryOp,
            ast.BoolOp,
            ast.Compare,
            ast.Call,
            ast.operator,
            ast.unaryop,
            ast.boolop,
            ast.cmpop,
            ast.Load,
        )
        if not isinstance(node, allowed) or isinstance(node, ast.MatMult):
            raise ConfigError(
                f"grid.constraint: {self.text!r}: {type(node).__name__} not allowed, expected "
                f"names, numbers, arithmetic, comparisons, and/or/not, abs/min/max"
            )
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords
        ):
            raise ConfigError(
                f"grid.constraint: {self.text!r}: only abs(), min(), max() may be called"
            )
        for child in ast.iter_child_nodes(node):
            self._check(child)

    def __call__(self, params: dict[str, Any]) -> bool:
        try:
            return bool(self._eval(self._tree, params))
        except (TypeError, ZeroDivisionError, ValueError) as err:
            raise ConfigError(f"grid.constraint: {self.text!r} fails for {params}: {err}") from err

    def _eval(self, node: ast.AST, env: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env)
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else +value
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(self._eval(v, env) for v in node.values)
            return any(self._eval(v, env) for v in node.values)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, env)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, env)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            return _FUNCTIONS[node.func.id](*(self._eval(a, env) for a in node.args))
        raise ConfigError(f"grid.constraint: {self.text!r}: cannot evaluate {ast.dump(node)}")


# -- values and windows --------------------------------------------------------------------------


def _clean_float(value: float) -> float:
    return float(f"{value:.12g}")


def _range_count(r: RangeConfig) -> int:
    if all(isinstance(v, int) for v in (r.start, r.stop, r.step)):
        return (r.stop - r.start) // r.step + 1
    return math.floor((r.stop - r.start) / r.step + 1e-9) + 1


def _axis_count(axis: AxisConfig) -> int:
    """Return the number of values `axis` gives at most, without making them."""
    if axis.values is not None:
        return len(axis.values)
    if axis.range is not None:
        return _range_count(axis.range)
    return axis.log_range.num


def _axis_values(axis: AxisConfig) -> tuple:
    if axis.values is not None:
        values = list(axis.values)
    elif axis.range is not None:
        r = axis.range
        count = _range_count(r)
        is_int = all(isinstance(v, int) for v in (r.start, r.step))
        values = [
            r.start + i * r.step if is_int else _clean_float(r.start + i * r.step)
            for i in range(count)
        ]
    else:
        r = axis.log_range
        ratio = r.stop / r.start
        raw = [r.start * ratio ** (i / (r.num - 1)) for i in range(r.num)]
        values = [round(v) for v in raw] if r.integer else [_clean_float(v) for v in raw]
    unique: list = []
    for value in values:  # keep the first of equal values (an integer log range may repeat)
        if not any(type(value) is type(u) and value == u for u in unique):
            unique.append(value)
    return tuple(unique)


def _duration_ns(text: str, field: str) -> int:
    import pandas as pd

    try:
        ns = int(pd.Timedelta(text).value)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"{field}: expected a duration such as '30D' or '12h', got {text!r}"
        ) from err
    if ns <= 0:
        raise ConfigError(f"{field}: expected a positive duration, got {text!r}")
    return ns


def _window_spans(config: WalkForwardConfig) -> tuple[int, int, int, int, int]:
    start = parse_time_ns(config.start, "walk_forward.start")
    end = parse_time_ns(config.end, "walk_forward.end")
    train = _duration_ns(config.train, "walk_forward.train")
    test = _duration_ns(config.test, "walk_forward.test")
    step = _duration_ns(config.step, "walk_forward.step") if config.step else test
    return start, end, train, test, step


def _window_count(config: WalkForwardConfig) -> int:
    """Return the number of windows, without making them.

    Window k tests on ``[start + train + k*step, start + train + k*step + test)``, which must
    end by `end` (inclusive): ``k*step <= end + 1 - start - train - test``.
    """
    start, end, train, test, step = _window_spans(config)
    room = end + 1 - start - train - test
    count = room // step + 1 if room >= 0 else 0
    if count == 0:
        raise ConfigError(
            f"walk_forward: the span {config.start} to {config.end} is shorter than train "
            f"{config.train} + test {config.test}, expected at least one window"
        )
    return count


def _windows(config: WalkForwardConfig) -> list[WalkForwardWindow]:
    start, _, train, test, step = _window_spans(config)
    windows = []
    for k in range(_window_count(config)):
        train_start = start if config.mode == "anchored" else start + k * step
        train_end = start + train + k * step
        windows.append(
            WalkForwardWindow(k, train_start, train_end - 1, train_end, train_end + test - 1)
        )
    return windows


# -- the spec ------------------------------------------------------------------------------------


class GridSpec:
    """A loaded grid: template, axes, constraint, windows; builds the cells.

    Parameters
    ----------
    template : BacktestRunConfig
    axes : list of AxisConfig
    grid : GridConfig, optional
    walk_forward : WalkForwardConfig, optional
    source : str
        Where the spec came from, for messages.
    max_cells : int, optional
        The cap on the cells (default ``grid.max_cells``).

    Raises
    ------
    ConfigError
        If an axis path does not address the template, names clash, the grid asks for more
        than `max_cells` cells (checked before any value or cell is made), the constraint is
        not safe, or a cell's config is invalid (naming the cell's parameters).
    """

    def __init__(
        self,
        template: BacktestRunConfig,
        axes: list[AxisConfig],
        grid: GridConfig | None = None,
        walk_forward: WalkForwardConfig | None = None,
        source: str = "<grid>",
        max_cells: int | None = None,
    ) -> None:
        self.template = template
        self.grid = grid or GridConfig()
        self.walk_forward = walk_forward
        self.source = source
        self.axes: list[Axis] = []
        base = config_to_dict(template)
        resolved: list[tuple[str, AxisConfig]] = []
        for i, axis in enumerate(axes):
            name = axis.name or next(
                p for p in reversed(parse_field_path(axis.path)) if isinstance(p, str)
            )
            if any(n == name for n, _ in resolved):
                raise ConfigError(
                    f"{source}: axes[{i}].name: {name!r} already names an axis, expected a "
                    f"unique name (set name = '...')"
                )
            if any(a.path == axis.path for _, a in resolved):
                raise ConfigError(f"{source}: axes[{i}].path: {axis.path!r} set by two axes")
            try:
                _set_path(json.loads(json.dumps(base)), axis.path, None)
            except ConfigError as err:
                raise ConfigError(f"{source}: axes[{i}].path: {err}") from err
            resolved.append((name, axis))
        self.max_cells = self.grid.max_cells if max_cells is None else max_cells
        if self.max_cells < 1:
            raise ConfigError(f"{source}: max_cells: expected >= 1, got {self.max_cells}")
        self.max_cell_count = self._count_cells([a for _, a in resolved], walk_forward)
        for name, axis in resolved:
            self.axes.append(Axis(name, axis.path, _axis_values(axis)))
        names = [a.name for a in self.axes]
        try:
            self.constraint = (
                _Constraint(self.grid.constraint, names) if self.grid.constraint else None
            )
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from err
        try:
            self.windows = _windows(walk_forward) if walk_forward else []
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from err
        self._base = base
        self._cells: list[GridCell] | None = None
        self._points = self._valid_points()
        if not self._points:
            raise ConfigError(
                f"{source}: grid.constraint: {self.grid.constraint!r} excludes every cell, "
                f"expected at least one"
            )

    def _count_cells(self, axes: list[AxisConfig], walk_forward: WalkForwardConfig | None) -> int:
        """Return the most cells the grid can have; refuse it if that is over the cap."""
        counts = [_axis_count(a) for a in axes]
        try:
            windows = _window_count(walk_forward) if walk_forward else 0
        except ConfigError as err:
            raise ConfigError(f"{self.source}: {err}") from err
        points = math.prod(counts)
        # Train cells: every point in every window; test cells: one per window at most.
        total = points * windows + windows if windows else points
        if total > self.max_cells:
            shape = " x ".join(f"{c:,}" for c in counts)
            detail = f"{shape} axis values" + (
                f" x {windows:,} windows + {windows:,} test cells" if windows else ""
            )
            raise ConfigError(
                f"{self.source}: grid.max_cells: the grid asks for {total:,} cells ({detail}), "
                f"expected at most {self.max_cells:,}; narrow the axes or windows, or raise "
                f"grid.max_cells (or --max-cells)"
            )
        return total

    @property
    def name(self) -> str:
        return self.grid.name

    @property
    def shape(self) -> tuple[int, ...]:
        """The number of values of each axis."""
        return tuple(len(a.values) for a in self.axes)

    def _valid_points(self) -> list[tuple[tuple[int, ...], dict[str, Any]]]:
        points = []
        for index in itertools.product(*(range(len(a.values)) for a in self.axes)):
            params = {a.name: a.values[i] for a, i in zip(self.axes, index, strict=True)}
            if self.constraint is None or self.constraint(params):
                points.append((index, params))
        return points

    def cell(
        self,
        params: dict[str, Any],
        role: str = "full",
        window: int | None = None,
        index: tuple[int, ...] | None = None,
    ) -> GridCell:
        """Return the cell of `params` (for a walk-forward window's train or test span)."""
        data = json.loads(json.dumps(self._base))
        for axis in self.axes:
            _set_path(data, axis.path, params[axis.name])
        if window is not None:
            w = self.windows[window]
            start, end = (
                (w.train_start, w.train_end) if role == "train" else (w.test_start, w.test_end)
            )
            data["start"], data["end"] = start, end
        label = ", ".join(f"{k}={v!r}" for k, v in params.items())
        config = config_from_dict(data, BacktestRunConfig, source=f"{self.source}: cell ({label})")
        if index is None:
            index = tuple(a.values.index(params[a.name]) for a in self.axes)
        return GridCell(
            id=config.id, index=index, params=dict(params), role=role, window=window, config=config
        )

    def cells(self) -> list[GridCell]:
        """Return every cell to run: the valid points (times each window's train span).

        Raises
        ------
        ConfigError
            If a cell's config is invalid, or two cells are the same config.
        """
        if self._cells is not None:
            return list(self._cells)
        out = []
        seen: dict[str, GridCell] = {}
        windows = [None] if not self.windows else [w.index for w in self.windows]
        role = "full" if not self.windows else "train"
        for window in windows:
            for index, params in self._points:
                cell = self.cell(params, role, window, index)
                if cell.id in seen:
                    raise ConfigError(
                        f"{self.source}: cells ({seen[cell.id].label()}) and ({cell.label()}) "
                        f"are the same config {cell.id[:12]}, expected every axis to change it"
                    )
                seen[cell.id] = cell
                out.append(cell)
        self._cells = out
        return list(out)


def load_grid_spec(path: str | Path, max_cells: int | None = None) -> GridSpec:
    """Load a grid spec from a TOML, YAML or JSON file.

    ``grid.template_path`` is relative to the grid file. The template is loaded with
    `node.config.load_config`, so its errors name its own file. `max_cells` overrides the
    file's ``grid.max_cells``.

    Raises
    ------
    ConfigError
        ``<file>: <field path>: expected ..., got ...``.
    """
    from node.config import load_config, read_config_file

    path = Path(path)
    data = read_config_file(path, "grid")
    spec = config_from_dict(data, _GridFile, source=str(path))
    if (spec.template is None) == (spec.grid.template_path is None):
        raise ConfigError(
            f"{path}: template: expected exactly one of a [template] table or "
            f"grid.template_path, got {'both' if spec.template is not None else 'neither'}"
        )
    if spec.template is not None:
        template = config_from_dict(spec.template, BacktestRunConfig, source=f"{path}: template")
    else:
        template_file = path.parent / spec.grid.template_path
        template = load_config(template_file, BacktestRunConfig)
    grid = GridSpec(
        template, spec.axes, spec.grid, spec.walk_forward, source=str(path), max_cells=max_cells
    )
    grid.cells()  # every cell's config is checked at load time
    return grid
