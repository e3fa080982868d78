<#
.SYNOPSIS
azd postdeploy hook, last step: what is configured and what is missing, with the command that fixes each gap.
Same contract as deployment-summary.sh. Always exits 0.
#>
[CmdletBinding()]
param()

function Get-EnvValue([string]$Name) {
    $value = ''
    if (Get-Command azd -ErrorAction SilentlyContinue) {
        $value = (& azd env get-value $Name 2>$null) -join ''
        if ($LASTEXITCODE -ne 0) { $value = '' }
    }
    if (-not $value) { $value = [Environment]::GetEnvironmentVariable($Name) }
    return [string]$value
}

$GraphAppId = '00000003-0000-0000-c000-000000000000'
$Permissions = @('Synchronization.Read.All', 'AuditLog.Read.All', 'Directory.Read.All')
$gaps = 0
Write-Host ''
Write-Host '=== Cloud Sync Monitor: deployment summary ==='

$principal = Get-EnvValue 'AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID'
$graphStatus = 'unknown (the Azure CLI is not signed in: cannot check)'
if ($principal -and (Get-Command az -ErrorAction SilentlyContinue)) {
    & az account show --output none 2>$null
    if ($LASTEXITCODE -eq 0) {
        $graphUrl = ((& az cloud show --query endpoints.microsoftGraphResourceId --output tsv 2>$null) -join '').TrimEnd('/')
        if (-not $graphUrl) { $graphUrl = 'https://graph.microsoft.com' }
        $roles = (& az ad sp show --id $GraphAppId --output json 2>$null) -join "`n" | ConvertFrom-Json
        $assigned = @(((& az rest --method get --url "$graphUrl/v1.0/servicePrincipals/$principal/appRoleAssignments" --output json 2>$null) -join "`n" | ConvertFrom-Json).value | ForEach-Object { $_.appRoleId })
        $missing = @($Permissions | Where-Object {
                $p = $_
                $role = $roles.appRoles | Where-Object { $_.value -eq $p }
                -not $role -or $assigned -notcontains $role.id
            })
        $graphStatus = if ($missing.Count -eq 0) { 'granted' } else { "MISSING: $($missing -join ' ')" }
    }
}
if ($graphStatus -eq 'granted') { Write-Host "  Graph permissions   granted ($($Permissions -join ' '))" }
else {
    $gaps++
    Write-Host "  Graph permissions   $graphStatus"
    Write-Host "                      fix: a Privileged Role Administrator runs pwsh infra/scripts/grant-graph-permissions.ps1 -PrincipalId $principal"
}

$to = Get-EnvValue 'ALERT_EMAIL_TO'
if ($to) { Write-Host "  Email               on, to $to (Azure-managed domain: at most 5 mails/min, 10/h)" }
else {
    $gaps++
    Write-Host '  Email               OFF: no recipients (/health and every run row warn EmailNoRecipients)'
    Write-Host '                      fix: azd env set ALERT_EMAIL_TO ops@example.com; azd provision'
}
if (Get-EnvValue 'TEAMS_WEBHOOK_URL') { Write-Host '  Teams               on (Workflows webhook)' }
else { Write-Host '  Teams               off (optional): azd env set TEAMS_WEBHOOK_URL <Workflows URL>; azd provision' }

$health = Get-EnvValue 'CLOUDSYNC_HEALTH_URL'
if ($health) { Write-Host "  Acknowledge links   on: $($health -replace '/health$', '/ack') (signed, expiring)" }
else { Write-Host '  Acknowledge links   unknown (no outputs yet)' }

$watcherTo = Get-EnvValue 'WATCHER_EMAIL_TO'
if (-not $watcherTo) { $watcherTo = $to }
$webhook = if (Get-EnvValue 'ALERT_WEBHOOK_KEY') { 'yes' } else { 'no' }
$stale = Get-EnvValue 'CLOUDSYNC_WATCHER_STALE_MINUTES'
if (-not $stale) { $stale = '20' }
if (-not $watcherTo -and $webhook -eq 'no') {
    $gaps++
    Write-Host "  Watcher alert       NO receivers: 'no successful run for $stale minutes' notifies nobody"
    Write-Host '                      fix: azd env set WATCHER_EMAIL_TO oncall@example.com; azd provision'
}
else { Write-Host "  Watcher alert       after $stale min without a successful run: email $(if ($watcherTo) { $watcherTo } else { 'none' }), webhook $webhook" }

Write-Host "  Heartbeat URL       $(Get-EnvValue 'CLOUDSYNC_HEARTBEAT_URL') (agent-heartbeat/README.md)"
Write-Host "  Workbook            $(Get-EnvValue 'CLOUDSYNC_WORKBOOK_URL')"
Write-Host "  Health              $health (function key)"
if ($gaps -eq 0) { Write-Host 'Everything is configured.' } else { Write-Host "$gaps item(s) above need attention." }
exit 0
