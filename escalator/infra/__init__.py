"""Infrastructure every layer may use: settings, the database and its migrations, logs, the
Temporal client, server binaries and search attributes, and case history storage."""
