#!/bin/sh
# azd postdeploy hook: connect the watcher webhook, then print the summary of what is configured.
# Exits with the webhook step's status (azd continues either way: continueOnError) after the summary.
set -u
here="$(dirname "$0")"
sh "$here/enable-alert-webhook.sh"
status=$?
sh "$here/deployment-summary.sh"
exit "$status"
