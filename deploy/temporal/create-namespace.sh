#!/bin/sh
# One-shot job of docker-compose.yml (temporalio/admin-tools): once the server answers,
# create Escalator's namespace and register the search attributes every case carries
# (SEARCH_ATTRIBUTES: NAME=TYPE, space separated; models/case/search_attributes.py is the list).
# Safe to run again: an existing namespace or attribute is left as it is.
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
NAMESPACE="${NAMESPACE:-default}"

until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"
  sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention 30d
fi

# A new namespace reaches every service of the server within a few seconds.
until existing=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" 2>/dev/null); do
  echo "waiting for namespace $NAMESPACE"
  sleep 2
done
for pair in ${SEARCH_ATTRIBUTES:-}; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" \
      -n "$NAMESPACE" --name "$name" --type "$type"
  fi
done
echo "namespace $NAMESPACE ready"
