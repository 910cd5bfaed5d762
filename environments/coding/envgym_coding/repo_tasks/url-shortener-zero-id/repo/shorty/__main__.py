from shorty.cli import main

raise SystemExit(main())
