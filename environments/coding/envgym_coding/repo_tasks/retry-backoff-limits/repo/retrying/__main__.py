import sys

from retrying.cli import main

sys.exit(main())
