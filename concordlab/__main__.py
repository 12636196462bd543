"""``python -m concordlab``: the same as the ``concordlab`` command."""

import sys

from concordlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
