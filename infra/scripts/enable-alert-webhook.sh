#!/bin/sh
# azd postdeploy hook, step 1: connect the watcher alert (Azure Monitor, "no successful run") to the app's
# azureMonitorAlert function. Its function key exists only once the code is deployed, so the key is read
# here, from the deployed app, on every deploy: nothing in the Bicep depends on an earlier deployment or a
# flag left in the azd environment. When the key in the environment (ALERT_WEBHOOK_KEY, passed to the
# Bicep) differs from the deployed one (first deploy, after `azd down`, after a key rotation), it is stored
# and provisioning runs once more. Exits 1 when the webhook could not be connected (azd continues: the
# watcher still emails its recipients); the summary step says so too.

set -u

say() { printf '%s\n' "$*"; }

RG="${AZURE_RESOURCE_GROUP:-}"
APP="${AZURE_FUNCTION_APP_NAME:-}"
if [ -z "$RG" ] || [ -z "$APP" ]; then
  say 'WARNING: AZURE_RESOURCE_GROUP or AZURE_FUNCTION_APP_NAME is not set (run azd provision first); the watcher webhook is not connected.'
  exit 1
fi
if ! command -v az >/dev/null 2>&1; then
  say 'WARNING: the Azure CLI (az) is not installed, so the watcher alert cannot be connected to the azureMonitorAlert function.'
  exit 1
fi

# The host indexes the functions of a new package within a minute or so: retry a while.
key=''
attempt=1
while [ "$attempt" -le "${WEBHOOK_KEY_ATTEMPTS:-6}" ]; do
  key="$(az functionapp function keys list --resource-group "$RG" --name "$APP" \
    --function-name azureMonitorAlert --query default --output tsv 2>/dev/null)"
  [ -n "$key" ] && break
  attempt=$((attempt + 1))
  sleep "${WEBHOOK_KEY_RETRY_SECONDS:-10}"
done
if [ -z "$key" ]; then
  say "WARNING: could not read the key of the azureMonitorAlert function of $APP (is the code deployed?)."
  say 'The watcher alert still emails its recipients. Retry with: sh infra/scripts/enable-alert-webhook.sh'
  exit 1
fi

if [ "$key" = "${ALERT_WEBHOOK_KEY:-}" ]; then
  say 'The watcher alert already calls the azureMonitorAlert function.'
  exit 0
fi

say 'Cloud Sync Monitor: connecting the watcher alert to the azureMonitorAlert function (provisioning once more)'
if ! azd env set ALERT_WEBHOOK_KEY "$key" >/dev/null; then
  say 'WARNING: could not update the azd environment; the watcher webhook is not connected.'
  exit 1
fi
if azd provision --no-prompt; then
  say 'The watcher alert now also calls the azureMonitorAlert function.'
  exit 0
fi
azd env set ALERT_WEBHOOK_KEY '' >/dev/null
say 'WARNING: provisioning with the watcher webhook failed; the alert still emails its recipients.'
say 'Retry with: sh infra/scripts/enable-alert-webhook.sh'
exit 1
