import sys

from semverlib.cli import main

sys.exit(main())
