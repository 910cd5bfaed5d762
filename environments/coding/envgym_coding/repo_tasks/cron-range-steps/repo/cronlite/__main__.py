from cronlite.cli import main

raise SystemExit(main())
