#!/usr/bin/env python3
"""Rebuild the index after articles were added, changed or removed.

Usage: scripts/rebuild_index.py [-v] [--articles PATH ...] [--index DIR] [--model NAME_OR_FOLDER]

The same as `qa-bot index build` (its options, shown by --help): the old index keeps answering until the
new one is complete. -v (or --verbose), anywhere, logs details to stderr as `qa-bot -v` does.
"""

from __future__ import annotations

import sys

try:
    from qa_bot.cli import index_build, prepare_process, setup_logging
except ModuleNotFoundError as exc:  # run by a Python without the project (cron's python3): one line, not a traceback
    if exc.name != "qa_bot":
        raise  # the project's own environment lacks a library: that traceback names it; make setup mends it
    sys.exit(f"error: qa_bot is not installed for {sys.executable}; run this script with the project's "
             "Python: .venv/bin/python scripts/rebuild_index.py (make setup makes .venv)")

VERBOSE = ("-v", "--verbose")

if __name__ == "__main__":
    prepare_process()
    setup_logging(any(arg in VERBOSE for arg in sys.argv[1:]))
    rest = [arg for arg in sys.argv[1:] if arg not in VERBOSE]
    if any(arg in ("-h", "--help") for arg in rest):  # this script's own line first, then the build's options
        print("Rebuild the index after articles were added, changed or removed; the old index keeps answering "
              "until the new one is complete. -v (or --verbose), anywhere, logs details to stderr.\n")
    sys.exit(index_build.main(rest, prog_name="scripts/rebuild_index.py", help_option_names=["-h", "--help"]))
