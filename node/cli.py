"""The ``flotilla`` command.

Each command lives in the module that owns its work and registers itself through a
``register(commands)`` function that adds a sub-parser and sets ``func`` (a callable taking the
parsed arguments and returning an exit code). This module only builds the parser, runs the
command and turns errors into exit codes:

| exit code | meaning                                                                  |
| --------- | ------------------------------------------------------------------------ |
| 0         | success                                                                  |
| 1         | the command failed: a user mistake (bad config, data, file) or a failure |
| 2         | usage error: unknown command, bad or missing argument                    |
| 130       | interrupted (Ctrl-C): one line, ``flotilla <command>: interrupted``      |

A user mistake (any `FlotillaError`, a missing file) prints one line,
``flotilla <command>: error: <message>``; the traceback only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

# The modules whose ``register(commands)`` adds a command, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "node.demo",
    "node.backtest.commands",
    "node.live.commands",
    "node.persistence.commands",
    "cluster.grid.commands",
    "cluster.compute.commands",
)


class _Parser(argparse.ArgumentParser):
    """An argument parser that shows examples (the epilog) verbatim."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``flotilla`` parser with every registered command."""
    parser = _Parser(
        prog="flotilla",
        description="Flotilla: event-driven trading, fast deterministic backtests.",
        epilog="examples:\n  flotilla demo\n  flotilla backtest configs/ema_cross.toml\n"
        "  flotilla <command> --help",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when a command fails"
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    for sub in commands.choices.values():
        # ``--debug`` is accepted after the command too; SUPPRESS keeps the top-level value.
        if "--debug" not in sub._option_string_actions:
            sub.add_argument(
                "--debug",
                action="store_true",
                default=argparse.SUPPRESS,
                help="show the full traceback when the command fails",
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 failed, 2 usage error, 130 Ctrl-C).

    Ctrl-C at any moment (importing a command's modules, parsing, running, failing) prints one
    line, ``flotilla <command>: interrupted``, and returns 130; a second Ctrl-C while the
    command cleans up is ignored, so it cannot print a traceback either.
    """
    words = sys.argv[1:] if argv is None else argv
    command = next((w for w in words if not w.startswith("-")), None)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(f"flotilla{' ' + command if command else ''}: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors and 0 on --help
        return int(exit_.code or 0)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        raise
    except Exception as err:
        if args.debug:
            raise
        from core.errors import FlotillaError

        if isinstance(err, FlotillaError | OSError):
            message = str(err)
        else:
            message = f"{type(err).__name__}: {err} (run with --debug for the traceback)"
        print(f"flotilla {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
