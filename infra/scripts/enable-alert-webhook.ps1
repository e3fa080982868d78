<#
.SYNOPSIS
azd postdeploy hook, step 1: connects the watcher alert to the app's azureMonitorAlert function.

.DESCRIPTION
The function key exists only once the code is deployed, so it is read here, from the deployed app, on every
deploy: nothing in the Bicep depends on an earlier deployment. When the key in the azd environment
(ALERT_WEBHOOK_KEY) differs from the deployed one (first deploy, after `azd down`, after a key rotation), it
is stored and provisioning runs once more. Exits 1 when the webhook could not be connected (azd continues;
the watcher still emails its recipients). Same contract as enable-alert-webhook.sh.
#>
[CmdletBinding()]
param(
    [int]$Attempts = 6,
    [int]$RetrySeconds = 10
)

$rg = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME
if (-not $rg -or -not $app) {
    Write-Host 'WARNING: AZURE_RESOURCE_GROUP or AZURE_FUNCTION_APP_NAME is not set (run azd provision first); the watcher webhook is not connected.'
    exit 1
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Host 'WARNING: the Azure CLI (az) is not installed, so the watcher alert cannot be connected to the azureMonitorAlert function.'
    exit 1
}

$key = ''
for ($attempt = 1; $attempt -le $Attempts; $attempt++) {
    $key = (& az functionapp function keys list --resource-group $rg --name $app --function-name azureMonitorAlert --query default --output tsv 2>$null) -join ''
    if ($LASTEXITCODE -eq 0 -and $key) { break }
    $key = ''
    Start-Sleep -Seconds $RetrySeconds
}
if (-not $key) {
    Write-Host "WARNING: could not read the key of the azureMonitorAlert function of $app (is the code deployed?)."
    Write-Host 'The watcher alert still emails its recipients. Retry with: pwsh infra/scripts/enable-alert-webhook.ps1'
    exit 1
}
if ($key -eq $env:ALERT_WEBHOOK_KEY) {
    Write-Host 'The watcher alert already calls the azureMonitorAlert function.'
    exit 0
}

Write-Host 'Cloud Sync Monitor: connecting the watcher alert to the azureMonitorAlert function (provisioning once more)'
azd env set ALERT_WEBHOOK_KEY $key | Out-Null
if ($LASTEXITCODE -ne 0) {
    Write-Host 'WARNING: could not update the azd environment; the watcher webhook is not connected.'
    exit 1
}
azd provision --no-prompt
if ($LASTEXITCODE -eq 0) {
    Write-Host 'The watcher alert now also calls the azureMonitorAlert function.'
    exit 0
}
azd env set ALERT_WEBHOOK_KEY '' | Out-Null
Write-Host 'WARNING: provisioning with the watcher webhook failed; the alert still emails its recipients.'
Write-Host 'Retry with: pwsh infra/scripts/enable-alert-webhook.ps1'
exit 1
