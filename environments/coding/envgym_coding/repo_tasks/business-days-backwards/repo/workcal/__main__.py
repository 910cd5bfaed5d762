from workcal.cli import main

raise SystemExit(main())
