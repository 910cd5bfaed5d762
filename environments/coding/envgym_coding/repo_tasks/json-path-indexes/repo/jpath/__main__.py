import sys

from jpath.cli import main

sys.exit(main())
