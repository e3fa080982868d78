# azd postdeploy hook: connect the watcher webhook, then print the summary of what is configured.
# Exits with the webhook step's status (azd continues either way: continueOnError) after the summary.
& pwsh -NoProfile -File (Join-Path $PSScriptRoot 'enable-alert-webhook.ps1')
$status = $LASTEXITCODE
& pwsh -NoProfile -File (Join-Path $PSScriptRoot 'deployment-summary.ps1')
exit $status
