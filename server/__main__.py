from dockls.cli import main

raise SystemExit(main())
