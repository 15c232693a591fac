#!/usr/bin/env python3
"""Rebuild the index after articles were added, changed or removed.

Usage: scripts/rebuild_index.py [--articles PATH ...] [--index DIR] [--model NAME_OR_FOLDER]

The same as `qa-bot index build`: the old index keeps answering until the new one is complete.
"""

from __future__ import annotations

import sys

from qa_bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["index", "build", *sys.argv[1:]], prog_name="rebuild_index.py"))
