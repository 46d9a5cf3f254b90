#!/bin/sh
# The ctest rest_openapi_lint: docs/openapi.yaml through Redocly's linter, pinned by
# package-lock.json in this folder (scripts/setup.sh runs npm ci here). Exit 77 (ctest: skipped)
# when it is not installed. Redocly's telemetry and update check are off: the test makes no
# network traffic.
# Usage: lint.sh SOURCE_DIR
set -eu
src=${1:?usage: lint.sh SOURCE_DIR}
redocly="$src/tests/openapi/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  echo "skipped: $redocly is not installed (run scripts/setup.sh, or npm ci in tests/openapi)"
  exit 77
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
exec "$redocly" lint "$src/docs/openapi.yaml" --config "$src/tests/openapi/redocly.yaml" \
  --format=stylish
