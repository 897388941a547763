#!/bin/sh
# One-shot job of docker-compose.yml (temporalio/admin-tools): create Temporal's two
# PostgreSQL databases and bring their schemas to the versions this server image ships.
# Safe to run again: `create` of an existing database and a schema already at head pass.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS names the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do
  echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT"
  sleep 2
done

for db in temporal temporal_visibility; do
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $PORT -u $POSTGRES_USER --db $db"
  $tool create || echo "database $db exists"
  $tool setup-schema -v 0.0 || echo "database $db has a schema"
done
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" \
  --db temporal update-schema -d "$SCHEMA/temporal/versioned"
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" \
  --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
echo "Temporal schema ready"
