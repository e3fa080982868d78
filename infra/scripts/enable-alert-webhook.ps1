<#
.SYNOPSIS
azd postdeploy hook: connects the Azure Monitor alert "no successful run for 20 minutes" to the app's
azureMonitorAlert function.

.DESCRIPTION
Bicep can only list the azureMonitorAlert function's key once the code is deployed, which happens after
provisioning. So the first `azd up` provisions without the webhook; this hook then turns it on
(ALERT_WEBHOOK_ENABLED=true) and provisions once more. Later runs find it on and do nothing.
It never fails the deployment: if the second provisioning fails, it turns the flag back off and says how to retry.
#>
[CmdletBinding()]
param()

if ($env:ALERT_WEBHOOK_ENABLED -eq 'true') { exit 0 }

Write-Host 'Cloud Sync Monitor: connecting the Azure Monitor alert to the azureMonitorAlert function'
azd env set ALERT_WEBHOOK_ENABLED true
if ($LASTEXITCODE -ne 0) {
    Write-Host 'WARNING: could not update the azd environment; run `azd env set ALERT_WEBHOOK_ENABLED true; azd provision`.'
    exit 0
}

azd provision --no-prompt
if ($LASTEXITCODE -eq 0) {
    Write-Host 'The alert now also calls the azureMonitorAlert function.'
}
else {
    azd env set ALERT_WEBHOOK_ENABLED false
    Write-Host 'WARNING: provisioning with the alert webhook failed (is the azureMonitorAlert function deployed?).'
    Write-Host 'The alert still emails its recipients. Retry with: azd env set ALERT_WEBHOOK_ENABLED true; azd provision'
}
exit 0
