"""Process wiring for Escalator: settings, database, command line, embedded stack."""
