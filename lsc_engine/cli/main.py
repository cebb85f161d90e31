"""The ``lsc`` command line: each group of commands in its own module, registered on one application."""

from __future__ import annotations

import sys

from pydantic import ValidationError

from lsc_engine.cli import audit, checking, letters, packs, records, tokens
from lsc_engine.cli.app import Exit, app, err, report
from lsc_engine.errors import LscError

COMMANDS = (audit, checking, letters, packs, records, tokens)  # imported for the commands they register on ``app``


def main() -> None:
    """Run the command line, turning anything unexpected into exit code 1 without a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except ValidationError as error:  # the settings: say what is wrong with each, never what was given (a secret)
        err.print("error: invalid settings", markup=False)
        for detail in error.errors(include_url=False, include_input=False, include_context=False):
            name = "LSC_" + "_".join(str(part) for part in detail["loc"]).upper() if detail["loc"] else "settings"
            err.print(f"  {name}: {str(detail['msg']).removeprefix('Value error, ')}", markup=False)
        sys.exit(Exit.INVALID)
    except LscError as error:  # something not found, or the database out of reach: not a bug
        report(error)
        sys.exit(Exit.INVALID)
    except Exception as error:  # noqa: BLE001 - the last resort: report, never dump a traceback
        err.print(f"unexpected error: {type(error).__name__}: {error}", markup=False)
        sys.exit(Exit.ERROR)
