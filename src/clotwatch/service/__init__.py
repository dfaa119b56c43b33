"""Use cases: what the REST API, the web pages and the CLI call. No HTTP here."""
