"""The `drumbridge` command line: one module per subcommand, each with a `register(subparsers)`."""
