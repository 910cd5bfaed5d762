import sys

from mdtoc.cli import main

sys.exit(main())
