"""`python -m bot …`: the command line (see DESIGN.md)."""

import sys

from bot.cli import main

sys.exit(main())
