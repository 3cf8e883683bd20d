"""The ``sanad`` console script's entry point.

Ctrl-C exits with status 130 and no traceback at any moment, also while the command's modules
are still being imported (a second or so of a cold start), which :func:`bot.console.cli.main`
cannot catch: its own imports run before it does.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run the ``sanad`` command line (:func:`bot.console.cli.main`)."""
    try:
        from bot.console.cli import main as run

        return run()
    except KeyboardInterrupt:  # Ctrl-C: the operator knows; a traceback tells them nothing
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
