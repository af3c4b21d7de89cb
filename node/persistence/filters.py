"""Safe row filters for catalog queries: a small expression language turned into Arrow.

A ``where`` string is parsed with `ast` and only these forms are accepted; anything else (calls,
attributes, subscripts, lambdas, ...) is refused with a `DataError` naming the expression and
the offending part, so a filter can never run code.

| form                          | example                                   |
| ----------------------------- | ----------------------------------------- |
| comparison (chains allowed)   | ``bid_size > 0``, ``1.1 <= bid < 1.2``    |
| membership of literal lists   | ``aggressor_side in ["BUYER", "SELLER"]`` |
| ``and`` / ``or`` / ``not``    | ``bid_size > 0 and not ask > 2``          |
| ``+ -`` between terms         | ``ask - bid < 0.0005``                    |
| ``* /`` by a number literal   | ``(ask + bid) / 2 > 1.1``                 |

Units: literals are in **real units**. A fixed-point column (prices, sizes: stored raw, value x
10**9) compared with or added to a number literal gets the literal scaled by 10**9 exactly
(``ask - bid < 0.0005`` means half a pip); a literal with more than 9 decimals is refused.
Timestamp columns (``ts_event``, ``ts_init``) take integer nanoseconds or an ISO string
(naive means UTC). Enum columns (``aggressor_side``, ``action``, ``side``) take the integer
value or the member name. Two fixed-point columns may be added or subtracted, not multiplied.
"""

from __future__ import annotations

import ast
from decimal import Decimal, InvalidOperation

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError
from core.model.enums import AggressorSide, BookAction, OrderSide
from node.persistence.schemas import FIXED_POINT_COLUMNS

__all__ = ["compile_filter"]

_SCALE = Decimal(10) ** 9
_ENUM_COLUMNS = {"aggressor_side": AggressorSide, "action": BookAction, "side": OrderSide}
_TS_COLUMNS = ("ts_event", "ts_init")
_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
_LITERAL = "literal"


class _Term:
    """A compiled term: an Arrow expression (or a Python literal) and its unit."""

    __slots__ = ("column", "unit", "value")

    def __init__(self, value, unit: str, column: str | None = None) -> None:
        self.value = value
        self.unit = unit  # fixed | int | float | str | bool | literal
        self.column = column


def compile_filter(where: str, schema: pa.Schema, kind: str) -> pc.Expression:
    """Return the Arrow expression of `where` over a table of `schema` (catalog `kind`).

    Raises
    ------
    DataError
        Naming the expression and what is wrong: bad syntax, a construct that is not allowed,
        an unknown column, a literal of the wrong type or with too many decimals.
    """
    if not isinstance(where, str) or not where.strip():
        raise DataError(f"filter {where!r}: invalid, expected a non-empty expression string")
    try:
        tree = ast.parse(where.strip(), mode="eval")
    except SyntaxError as err:
        raise DataError(
            f"filter {where!r}: syntax error at column {err.offset}: {err.msg}"
        ) from err
    compiler = _Compiler(where, schema, kind)
    result = compiler.boolean(tree.body)
    return result


class _Compiler:
    def __init__(self, where: str, schema: pa.Schema, kind: str) -> None:
        self.where = where
        self.schema = schema
        self.fixed = set(FIXED_POINT_COLUMNS.get(kind, ()))

    def error(self, node: ast.AST | None, problem: str) -> DataError:
        part = f" at {ast.unparse(node)!r}" if node is not None else ""
        return DataError(f"filter {self.where!r}{part}: {problem}")

    # Boolean level -----------------------------------------------------------------------------
    def boolean(self, node: ast.AST) -> pc.Expression:
        if isinstance(node, ast.BoolOp):
            parts = [self.boolean(v) for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = (out & part) if isinstance(node.op, ast.And) else (out | part)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~self.boolean(node.operand)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        term = self.term(node)
        if term.unit == "bool" and term.column is not None:
            return term.value
        raise self.error(node, "not a condition, expected a comparison, and/or/not")

    def compare(self, node: ast.Compare) -> pc.Expression:
        out = None
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                expr = self.membership(left_node, right_node, isinstance(op, ast.NotIn))
            elif type(op) in _COMPARE:
                left, right = self.term(left_node), self.term(right_node)
                a, b = self.unify(left, right, node)
                expr = _COMPARE[type(op)](a, b)
            else:
                raise self.error(node, f"operator {type(op).__name__} not allowed")
            out = expr if out is None else out & expr
            left_node = right_node
        return out

    def membership(self, left_node, right_node, negate: bool) -> pc.Expression:
        left = self.term(left_node)
        if left.column is None:
            raise self.error(left_node, "expected a column on the left of 'in'")
        if not isinstance(right_node, ast.List | ast.Tuple | ast.Set):
            raise self.error(right_node, "expected a list of literals after 'in'")
        values = []
        for element in right_node.elts:
            literal = self.term(element)
            if literal.unit != _LITERAL:
                raise self.error(element, "expected a literal in the list")
            values.append(self.coerce(literal.value, left, element))
        expr = pc.is_in(left.value, value_set=pa.array(values, type=self._type(left.column)))
        return ~expr if negate else expr

    def _type(self, column: str) -> pa.DataType:
        return self.schema.field(column).type

    # Term level --------------------------------------------------------------------------------
    def term(self, node: ast.AST) -> _Term:
        if isinstance(node, ast.Name):
            return self.column(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool | str):
                return _Term(value, _LITERAL)
            if isinstance(value, int | float):
                return _Term(Decimal(repr(value)) if isinstance(value, float) else value, _LITERAL)
            raise self.error(node, f"literal of type {type(value).__name__} not allowed")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.term(node.operand)
            sign = -1 if isinstance(node.op, ast.USub) else 1
            if inner.unit == _LITERAL and not isinstance(inner.value, bool | str):
                return _Term(inner.value * sign, _LITERAL)
            if inner.unit in ("fixed", "int", "float"):
                return _Term(
                    pc.negate_checked(inner.value) if sign < 0 else inner.value, inner.unit
                )
            raise self.error(node, "sign applied to a non-number")
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        raise self.error(
            node,
            f"{type(node).__name__} not allowed, expected comparisons, and/or/not, column "
            f"names, literals and + - * /",
        )

    def column(self, node: ast.Name) -> _Term:
        name = node.id
        if name not in self.schema.names:
            raise self.error(
                node, f"column {name!r} unknown, expected one of {', '.join(self.schema.names)}"
            )
        arrow_type = self._type(name)
        if name in self.fixed:
            unit = "fixed"
        elif pa.types.is_integer(arrow_type):
            unit = "int"
        elif pa.types.is_floating(arrow_type):
            unit = "float"
        elif pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            unit = "str"
        elif pa.types.is_boolean(arrow_type):
            unit = "bool"
        else:
            raise self.error(node, f"column {name!r} of type {arrow_type} cannot be filtered")
        return _Term(pc.field(name), unit, name)

    def binop(self, node: ast.BinOp) -> _Term:
        left, right = self.term(node.left), self.term(node.right)
        if isinstance(node.op, ast.Add | ast.Sub):
            if left.unit == _LITERAL and right.unit == _LITERAL:
                if isinstance(left.value, bool | str) or isinstance(right.value, bool | str):
                    raise self.error(node, "arithmetic on a non-number literal")
                value = (
                    left.value + right.value
                    if isinstance(node.op, ast.Add)
                    else left.value - right.value
                )
                return _Term(value, _LITERAL)
            a, b = self.unify(left, right, node)
            unit = left.unit if left.unit != _LITERAL else right.unit
            if unit in ("str", "bool"):
                raise self.error(node, f"arithmetic on a {unit} column")
            fn = pc.add_checked if isinstance(node.op, ast.Add) else pc.subtract_checked
            return _Term(fn(a, b), unit)
        if isinstance(node.op, ast.Mult | ast.Div):
            number, other = (left, right) if left.unit == _LITERAL else (right, left)
            if number.unit != _LITERAL or isinstance(number.value, bool | str):
                raise self.error(
                    node, "* and / need a number literal on one side (columns carry units)"
                )
            if other.unit == _LITERAL:
                if isinstance(other.value, bool | str):
                    raise self.error(node, "arithmetic on a non-number literal")
                value = (
                    other.value * number.value
                    if isinstance(node.op, ast.Mult)
                    else Decimal(left.value) / Decimal(right.value)
                )
                return _Term(value, _LITERAL)
            if other.unit not in ("fixed", "int", "float"):
                raise self.error(node, f"arithmetic on a {other.unit} column")
            if isinstance(node.op, ast.Div) and number is left:
                raise self.error(node, "a literal divided by a column has no unit")
            factor = pa.scalar(float(number.value))
            value = (
                pc.multiply(other.value, factor)
                if isinstance(node.op, ast.Mult)
                else pc.divide(other.value.cast(pa.float64()), factor)
            )
            return _Term(value, "fixed" if other.unit == "fixed" else "float")
        raise self.error(node, f"operator {type(node.op).__name__} not allowed")

    # Units -------------------------------------------------------------------------------------
    def unify(self, left: _Term, right: _Term, node: ast.AST):
        """Return the two sides as Arrow operands of one unit (literals converted)."""
        if left.unit == _LITERAL and right.unit == _LITERAL:
            raise self.error(node, "compares or combines two literals, expected a column")
        if left.unit == _LITERAL:
            return pa.scalar(self.coerce(left.value, right, node)), right.value
        if right.unit == _LITERAL:
            return left.value, pa.scalar(self.coerce(right.value, left, node))
        numbers = ("int", "float")
        if left.unit == right.unit or (left.unit in numbers and right.unit in numbers):
            return left.value, right.value
        raise self.error(
            node, f"combines a {left.unit} term with a {right.unit} term, expected one unit"
        )

    def coerce(self, value, other: _Term, node: ast.AST):
        """Return literal `value` in the unit of `other` (raw for fixed-point columns)."""
        unit = other.unit
        if unit == "str":
            if not isinstance(value, str):
                raise self.error(node, f"literal {value!r} compared with text, expected a string")
            return value
        if unit == "bool":
            if not isinstance(value, bool):
                raise self.error(node, f"literal {value!r} invalid, expected True or False")
            return value
        if isinstance(value, str):
            if other.column in _TS_COLUMNS:
                return self._timestamp(value, node)
            if other.column in _ENUM_COLUMNS:
                enum = _ENUM_COLUMNS[other.column]
                if value not in enum.__members__:
                    raise self.error(
                        node,
                        f"{other.column} value {value!r} unknown, expected one of "
                        f"{', '.join(enum.__members__)}",
                    )
                return int(enum[value])
            raise self.error(node, f"string literal {value!r} compared with a number column")
        if isinstance(value, bool):
            raise self.error(node, f"literal {value!r} compared with a number column")
        if unit == "fixed":
            raw = Decimal(value) * _SCALE
            if raw != raw.to_integral_value():
                raise self.error(
                    node, f"literal {value} has more than 9 decimals (fixed-point columns)"
                )
            return int(raw)
        if unit == "int":
            if Decimal(value) != Decimal(value).to_integral_value():
                raise self.error(node, f"literal {value} invalid, expected an integer")
            return int(value)
        return float(value)

    def _timestamp(self, text: str, node: ast.AST) -> int:
        try:
            ts = pd.Timestamp(text)
        except (ValueError, InvalidOperation) as err:
            raise self.error(
                node, f"time {text!r} unparseable, expected ISO 8601 or integer nanoseconds"
            ) from err
        if ts is pd.NaT:
            raise self.error(node, f"time {text!r} invalid")
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return int(ts.value)
