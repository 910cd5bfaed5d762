import sys

from cachelib.cli import main

sys.exit(main())
