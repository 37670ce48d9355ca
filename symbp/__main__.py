"""``python -m symbp`` → :func:`symbp.cli.main`."""

import sys

from .cli import main

sys.exit(main())
