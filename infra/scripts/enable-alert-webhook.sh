#!/bin/sh
# azd postdeploy hook. The Azure Monitor alert "no successful run for 20 minutes" should also reach the app's
# azureMonitorAlert function, but Bicep can only list that function's key once the code is deployed, which
# happens after provisioning. So the first `azd up` provisions without the webhook; this hook then turns it on
# (ALERT_WEBHOOK_ENABLED=true) and provisions once more. Later runs find it on and do nothing.
# It never fails the deployment: if the second provisioning fails, it turns the flag back off and says how to retry.

set -u

if [ "${ALERT_WEBHOOK_ENABLED:-false}" = "true" ]; then
  exit 0
fi

say() { printf '%s\n' "$*"; }

say 'Cloud Sync Monitor: connecting the Azure Monitor alert to the azureMonitorAlert function'
if ! azd env set ALERT_WEBHOOK_ENABLED true; then
  say 'WARNING: could not update the azd environment; run `azd env set ALERT_WEBHOOK_ENABLED true && azd provision`.'
  exit 0
fi

if azd provision --no-prompt; then
  say 'The alert now also calls the azureMonitorAlert function.'
else
  azd env set ALERT_WEBHOOK_ENABLED false
  say 'WARNING: provisioning with the alert webhook failed (is the azureMonitorAlert function deployed?).'
  say 'The alert still emails its recipients. Retry with: azd env set ALERT_WEBHOOK_ENABLED true && azd provision'
fi
exit 0
