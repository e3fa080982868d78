<#
.SYNOPSIS
Grants the function app's managed identity the Microsoft Graph application permissions Cloud Sync Monitor
reads with: Synchronization.Read.All, AuditLog.Read.All, Directory.Read.All (all read-only).

.DESCRIPTION
Idempotent: permissions already granted are skipped. Granting needs a Privileged Role Administrator (or Global
Administrator). By default it uses the Azure CLI session (`az login`), which is what the azd postprovision hook
has; -UseGraphPowerShell signs in with Microsoft Graph PowerShell (Connect-MgGraph) instead.
When it cannot grant, it says why and how, and exits 1 (azd continues: continueOnError; the postdeploy
summary reports the gap again). It refuses to work in another tenant than the deployment's (AZURE_TENANT_ID).

.EXAMPLE
pwsh infra/scripts/grant-graph-permissions.ps1 -PrincipalId 00000000-0000-0000-0000-000000000000 -UseGraphPowerShell
#>
[CmdletBinding()]
param(
    # Object (principal) id of the managed identity; azd provides it after provisioning.
    [string]$PrincipalId = $env:AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID,
    # The deployment's tenant; the grant must land there (the managed identity exists only there).
    [string]$TenantId = $env:AZURE_TENANT_ID,
    [switch]$UseGraphPowerShell
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$GraphAppId = '00000003-0000-0000-c000-000000000000' # Microsoft Graph
$Permissions = @('Synchronization.Read.All', 'AuditLog.Read.All', 'Directory.Read.All')

function Write-ManualSteps {
    $id = if ($PrincipalId) { $PrincipalId } else { '<principal object id>' }
    Write-Host ''
    Write-Host 'To grant them later, ask a Privileged Role Administrator to run one of:'
    Write-Host "  pwsh infra/scripts/grant-graph-permissions.ps1 -PrincipalId $id -UseGraphPowerShell"
    Write-Host "  sh infra/scripts/grant-graph-permissions.sh $id"
    Write-Host 'or grant Synchronization.Read.All, AuditLog.Read.All and Directory.Read.All (Microsoft Graph, application)'
    Write-Host 'to the managed identity in the Entra admin center. Until then every collect run reports a permission error.'
}

# Graph's own words from a failed az call ("ERROR: Forbidden({"error":{"code":...,"message":...}})"): code and
# message when present, else the first line; at most 300 characters.
function Get-ErrorSummary([string]$Message) {
    $summary = if ($Message -match '"code"\s*:\s*"([^"]+)"[^{}]*?"message"\s*:\s*"([^"]*)"') { "$($Matches[1]): $($Matches[2])" }
    else { @($Message -split "`r?`n" | Where-Object { $_.Trim() })[0] }
    if (-not $summary) { $summary = 'no error text' }
    return $summary.Trim().Substring(0, [Math]::Min(300, $summary.Trim().Length))
}

function Test-Denied([string]$Message) {
    # 403 as a status, not as digits inside an id: a principal id like fbdf6bf5-cd5c-403b-... is no denial.
    return $Message -match 'Authorization_RequestDenied|Insufficient privileges|Forbidden|(?<![0-9A-Za-z-])403(?![0-9A-Za-z-])'
}

# Returns 'granted', 'exists', 'denied: ...' or 'failed: ...' for one app role, retrying while a new identity
# has not replicated to Microsoft Graph yet.
function Grant-WithRetry([scriptblock]$Grant) {
    for ($attempt = 1; ; $attempt++) {
        try {
            & $Grant
            return 'granted'
        }
        catch {
            $message = "$_"
            if ($message -match 'already exists') { return 'exists' }
            if ($message -match 'does not exist|ResourceNotFound' -and $attempt -lt 6) {
                Start-Sleep -Seconds 15
                continue
            }
            if (Test-Denied $message) { return 'denied: the signed-in account is not allowed to grant application permissions' }
            return "failed: $(Get-ErrorSummary $message)"
        }
    }
}

# Runs the Azure CLI; returns its standard output, throws with its error output when it fails.
function Invoke-Az([string[]]$Arguments) {
    $ErrorActionPreference = 'Continue' # Windows PowerShell would stop at the first line az writes to stderr
    $output = & az @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw ($output | Out-String) }
    return ($output | Where-Object { $_ -is [string] }) -join "`n"
}

function Grant-WithAzureCli {
    if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
        Write-Host 'WARNING: the Azure CLI (az) is not installed; use -UseGraphPowerShell or install it.'
        return $Permissions
    }
    try { $signedIn = (Invoke-Az @('account', 'show', '--query', 'tenantId', '--output', 'tsv')).Trim() }
    catch {
        Write-Host 'WARNING: the Azure CLI is not signed in (az login), so the permissions were not granted.'
        return $Permissions
    }
    if ($TenantId -and $signedIn -ne $TenantId) {
        Write-Host "ERROR: the Azure CLI is signed in to tenant $signedIn, but the deployment is in tenant $TenantId."
        Write-Host "Sign in to the right tenant and run this again: az login --tenant $TenantId"
        return $Permissions
    }

    $graphUrl = 'https://graph.microsoft.com'
    try {
        $cloudGraph = (Invoke-Az @('cloud', 'show', '--query', 'endpoints.microsoftGraphResourceId', '--output', 'tsv')).Trim().TrimEnd('/')
        if ($cloudGraph) { $graphUrl = $cloudGraph }
    }
    catch { }

    try {
        $graphSp = Invoke-Az @('ad', 'sp', 'show', '--id', $GraphAppId, '--output', 'json') | ConvertFrom-Json
    }
    catch {
        Write-Host "WARNING: could not read the Microsoft Graph service principal with the signed-in account: $(Get-ErrorSummary "$_")"
        return $Permissions
    }

    $assigned = @()
    try {
        $assignments = Invoke-Az @('rest', '--method', 'get', '--url', "$graphUrl/v1.0/servicePrincipals/$PrincipalId/appRoleAssignments", '--output', 'json') | ConvertFrom-Json
        $assigned = @($assignments.value | Where-Object { $_.resourceId -eq $graphSp.id } | ForEach-Object { $_.appRoleId })
    }
    catch { } # unreadable: the POST below still recognises an existing assignment

    $missing = @()
    foreach ($permission in $Permissions) {
        $role = $graphSp.appRoles | Where-Object { $_.value -eq $permission -and $_.allowedMemberTypes -contains 'Application' }
        if (-not $role) {
            Write-Host "  ${permission}: not found among Microsoft Graph's application permissions"
            $missing += $permission
            continue
        }
        if ($assigned -contains $role.id) {
            Write-Host "  ${permission}: already granted"
            continue
        }
        # The body goes through a file: Windows PowerShell mangles quotes in native command arguments.
        $bodyFile = New-TemporaryFile
        try {
            @{ principalId = $PrincipalId; resourceId = $graphSp.id; appRoleId = $role.id } | ConvertTo-Json -Compress |
                Set-Content -Path $bodyFile -Encoding ascii
            $result = Grant-WithRetry {
                Invoke-Az @('rest', '--method', 'post', '--url', "$graphUrl/v1.0/servicePrincipals/$PrincipalId/appRoleAssignments",
                    '--headers', 'Content-Type=application/json', '--body', "@$bodyFile", '--output', 'none') | Out-Null
            }
        }
        finally { Remove-Item -Path $bodyFile -ErrorAction SilentlyContinue }
        if (-not (Write-Result $permission $result)) { $missing += $permission }
    }
    return $missing
}

function Grant-WithGraphPowerShell {
    if (-not (Get-Module -ListAvailable -Name Microsoft.Graph.Applications)) {
        Write-Host 'WARNING: Microsoft Graph PowerShell is not installed (Install-Module Microsoft.Graph.Applications -Scope CurrentUser).'
        return $Permissions
    }
    Import-Module Microsoft.Graph.Applications
    try {
        $connect = @{ Scopes = @('AppRoleAssignment.ReadWrite.All', 'Application.Read.All'); NoWelcome = $true }
        if ($TenantId) { $connect.TenantId = $TenantId }
        Connect-MgGraph @connect | Out-Null
    }
    catch {
        Write-Host "WARNING: could not sign in to Microsoft Graph: $_"
        return $Permissions
    }

    $graphSp = Get-MgServicePrincipal -Filter "appId eq '$GraphAppId'"
    $assigned = @(Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $PrincipalId -All |
            Where-Object { $_.ResourceId -eq $graphSp.Id } | ForEach-Object { $_.AppRoleId })

    $missing = @()
    foreach ($permission in $Permissions) {
        $role = $graphSp.AppRoles | Where-Object { $_.Value -eq $permission -and $_.AllowedMemberTypes -contains 'Application' }
        if (-not $role) {
            Write-Host "  ${permission}: not found among Microsoft Graph's application permissions"
            $missing += $permission
            continue
        }
        if ($assigned -contains $role.Id) {
            Write-Host "  ${permission}: already granted"
            continue
        }
        $result = Grant-WithRetry {
            New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $PrincipalId -PrincipalId $PrincipalId `
                -ResourceId $graphSp.Id -AppRoleId $role.Id | Out-Null
        }
        if (-not (Write-Result $permission $result)) { $missing += $permission }
    }
    return $missing
}

# Prints the outcome for one permission; returns $true when the identity now holds it.
function Write-Result([string]$Permission, [string]$Result) {
    if ($Result -eq 'granted') { Write-Host "  ${Permission}: granted"; return $true }
    if ($Result -eq 'exists') { Write-Host "  ${Permission}: already granted"; return $true }
    Write-Host "  ${Permission}: NOT granted: $($Result -replace '^(denied|failed): ', '')"
    return $false
}

Write-Host 'Cloud Sync Monitor: granting Microsoft Graph application permissions to the managed identity'
if (-not $PrincipalId) {
    Write-Host 'WARNING: no principal id (AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID is not set; run azd provision first).'
    Write-ManualSteps
    exit 1
}

try {
    # @() around the whole if: an if statement that yields an empty array yields $null, and $null.Count
    # throws under StrictMode Latest (every run that granted everything would end in an error).
    $missing = @(if ($UseGraphPowerShell) { Grant-WithGraphPowerShell } else { Grant-WithAzureCli })
}
catch {
    Write-Host "WARNING: granting failed: $_"
    $missing = $Permissions
}

if ($missing.Count -gt 0) {
    Write-Host ''
    Write-Host "WARNING: not granted: $($missing -join ', ')"
    Write-ManualSteps
    exit 1
}
Write-Host 'All Microsoft Graph permissions are in place.'
exit 0
