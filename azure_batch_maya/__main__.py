"""`python -m azure_batch_maya` runs the CLI."""

import sys

from azure_batch_maya.cli import main

sys.exit(main())
