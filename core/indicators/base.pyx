"""The `Indicator` base: input counting, initialization state, reset and the data handlers.

The kernel feeds an indicator through the C-level ``cpdef`` handlers declared in ``base.pxd``;
Python code calls the same methods. A subclass implements `update_raw` (one float input), the
handlers for the data it accepts, and `_reset` for its own state. The base handlers raise, so an
indicator that was never meant to see bars says so instead of silently ignoring them.

| member              | set by                              | cleared by |
| ------------------- | ----------------------------------- | ---------- |
| ``count``           | the subclass, once per input        | `reset`    |
| ``has_inputs``      | the subclass, on the first input    | `reset`    |
| ``initialized``     | the subclass, when warm (e.g. after ``period`` inputs) | `reset` |
"""

from core.model.data cimport Bar, QuoteTick, TradeTick


cdef object _not_handled(Indicator indicator, str method):
    return NotImplementedError(
        f"{indicator.name}: {method} is not supported; {type(indicator).__name__} must "
        f"override it to accept this kind of input"
    )


cdef class Indicator:
    """Base of every indicator.

    Parameters
    ----------
    params : list
        The parameters that identify the instance; their ``str`` forms make its `name`,
        ``ClassName(p1, p2)``.
    """

    def __init__(self, list params not None):
        self.name = f"{type(self).__name__}({', '.join(map(str, params))})"
        self.has_inputs = False
        self.initialized = False
        self.count = 0

    def __repr__(self):
        return self.name

    cpdef void handle_quote_tick(self, QuoteTick tick):
        """Update the indicator with a quote tick.

        Raises
        ------
        NotImplementedError
            If the subclass does not accept quote ticks.
        """
        raise _not_handled(self, "handle_quote_tick")

    cpdef void handle_trade_tick(self, TradeTick tick):
        """Update the indicator with a trade tick.

        Raises
        ------
        NotImplementedError
            If the subclass does not accept trade ticks.
        """
        raise _not_handled(self, "handle_trade_tick")

    cpdef void handle_bar(self, Bar bar):
        """Update the indicator with a bar.

        Raises
        ------
        NotImplementedError
            If the subclass does not accept bars.
        """
        raise _not_handled(self, "handle_bar")

    cpdef void update_raw(self, double value):
        """Update the indicator with one float input.

        Raises
        ------
        NotImplementedError
            If the subclass takes more than one input per update.
        """
        raise _not_handled(self, "update_raw")

    cpdef void reset(self):
        """Return the indicator to its state at construction.

        Calls `_reset` for the subclass's state, then clears `count`, `has_inputs` and
        `initialized`.
        """
        self._reset()
        self.count = 0
        self.has_inputs = False
        self.initialized = False

    cpdef void _reset(self):
        """Clear the subclass's own state; called by `reset`. The base has none."""
        pass
