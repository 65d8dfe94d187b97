"""``python -m sourcegrad``: the command line (see sourcegrad/cli.py)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
