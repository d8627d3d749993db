#!/bin/sh
# The container's entrypoint (Dockerfile, compose.yaml): the first argument names a role.
#   web      recaudo serve      (static files were collected when the image was built)
#   worker   recaudo worker     (SIGTERM: it finishes the batch in hand, then exits)
#   migrate  recaudo migrate --no-input
#   anything else is run as given: `recaudo check --deploy`, `sh`, ...
# Further arguments go to the command: `worker --lanes 4`, `web --workers 8`.
# exec: the command becomes the container's main process and gets its signals.
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web) exec recaudo serve --no-collectstatic "$@" ;;
  worker) exec recaudo worker "$@" ;;
  migrate) exec recaudo migrate --no-input "$@" ;;
  *) exec "$role" "$@" ;;
esac
