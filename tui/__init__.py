"""The FOH dashboard: a Textual app that reads a show's telemetry and sends its commands (see README.md)."""
