from unitconv.cli import main

raise SystemExit(main())
