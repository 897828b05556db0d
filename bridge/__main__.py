"""`python -m bridge` is the `drumbridge` command."""

from bridge.cli.main import main

raise SystemExit(main())
