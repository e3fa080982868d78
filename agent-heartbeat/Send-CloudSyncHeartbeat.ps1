#Requires -Version 5.1
<#
.SYNOPSIS
Posts a heartbeat of this Microsoft Entra provisioning agent host to Cloud Sync Monitor.

.DESCRIPTION
Reads the state of the agent services (Microsoft Entra Provisioning Agent, Microsoft Entra Connect Agent
Updater), the agent version, the time of the newest trace log and the machine name, and POSTs them as JSON to
the monitor's heartbeat function (body documented in README.md next to this script). The function URL and
key come from a configuration file only SYSTEM and Administrators can read (Install-CloudSyncHeartbeatTask.ps1
writes it); the key travels in the x-functions-key header and is never printed or logged.

Runs as SYSTEM from a scheduled task every 5 minutes. Windows PowerShell 5.1 or PowerShell 7.
Exit codes: 0 sent, 1 not sent (after retries), 2 configuration problem.

.PARAMETER ConfigPath
The configuration file: { "url": "https://<app>.azurewebsites.net/api/heartbeat", "functionKey": "...",
"tenantId": "<optional GUID>", "proxyUrl": "<optional http://proxy:port>" }.

.PARAMETER DryRun
Print the JSON body instead of sending it (the key is not needed and not shown).
#>
[CmdletBinding()]
param(
    [string]$ConfigPath = (Join-Path $env:ProgramData 'CloudSyncMonitor\heartbeat.json'),
    [switch]$DryRun,
    [ValidateRange(1, 10)][int]$MaxAttempts = 4,
    [ValidateRange(5, 120)][int]$TimeoutSeconds = 30
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$ScriptVersion = '1.0.0'
# The services of a Cloud Sync agent host: service name -> display name (current product names).
$AgentServices = [ordered]@{
    'AADConnectProvisioningAgent' = 'Microsoft Entra Provisioning Agent'
    'AzureADConnectAgentUpdater'  = 'Microsoft Entra Connect Agent Updater'
}
$AgentBinaryCandidates = @(
    (Join-Path $env:ProgramFiles 'Microsoft Azure AD Connect Provisioning Agent\AADConnectProvisioningAgent.exe'),
    (Join-Path $env:ProgramFiles 'Azure AD Connect Provisioning Agent\AADConnectProvisioningAgent.exe')
)
$TraceDirectory = Join-Path $env:ProgramData 'Microsoft\Azure AD Connect Provisioning Agent\Trace'
$LogPath = Join-Path (Split-Path -Parent $ConfigPath) 'heartbeat.log'
$Secret = $null # the function key, scrubbed from anything written out

function Write-Log([string]$Message) {
    if ($Secret) { $Message = $Message.Replace($Secret, '***') }
    $line = '{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss', [Globalization.CultureInfo]::InvariantCulture), $Message
    Write-Host $line # not Write-Output: that would become part of the callers' return values
    if ($DryRun) { return }
    try {
        $directory = Split-Path -Parent $LogPath
        if (Test-Path -LiteralPath $directory) {
            if ((Test-Path -LiteralPath $LogPath) -and (Get-Item -LiteralPath $LogPath).Length -gt 1MB) {
                Move-Item -LiteralPath $LogPath -Destination "$LogPath.1" -Force
            }
            Add-Content -LiteralPath $LogPath -Value $line -Encoding UTF8
        }
    }
    catch { } # logging must never stop the heartbeat
}

function ConvertTo-IsoUtc([datetime]$Time) {
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

function Get-MachineName {
    try {
        $system = Get-CimInstance -ClassName Win32_ComputerSystem
        if ($system.PartOfDomain -and $system.Domain) { return ('{0}.{1}' -f $system.DNSHostName, $system.Domain) }
        if ($system.DNSHostName) { return [string]$system.DNSHostName }
    }
    catch { }
    return $env:COMPUTERNAME
}

# One entry per agent service, installed or not: name, displayName, status, startType.
function Get-ServiceStates {
    foreach ($name in $AgentServices.Keys) {
        $service = $null
        try { $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='$name'" } catch { }
        if (-not $service) {
            [ordered]@{ name = $name; displayName = $AgentServices[$name]; status = 'NotInstalled'; startType = $null }
            continue
        }
        $startType = switch ([string]$service.StartMode) {
            'Auto' {
                $delayed = $false
                try { $delayed = [bool]$service.DelayedAutoStart } catch { }
                if ($delayed) { 'AutomaticDelayed' } else { 'Automatic' }
            }
            'Manual' { 'Manual' }
            'Disabled' { 'Disabled' }
            'Boot' { 'Boot' }
            'System' { 'System' }
            default { 'Unknown' }
        }
        # Win32_Service.State: Running, Stopped, Start Pending, Stop Pending, Continue Pending, Pause Pending, Paused, Unknown.
        $status = ([string]$service.State) -replace ' ', ''
        if (-not $status) { $status = 'Unknown' }
        [ordered]@{ name = $name; displayName = [string]$service.DisplayName; status = $status; startType = $startType }
    }
}

# The agent's file version (from the service's binary, else the known install paths), else the installed
# product's DisplayVersion from the registry; null when neither is found.
function Get-AgentVersion {
    $paths = @()
    try {
        $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='AADConnectProvisioningAgent'"
        if ($service -and $service.PathName) {
            $image = [string]$service.PathName
            if ($image.StartsWith('"')) { $image = $image.Substring(1, $image.IndexOf('"', 1) - 1) }
            elseif ($image -match '^(.+?\.exe)\b') { $image = $Matches[1] }
            $paths += $image
        }
    }
    catch { }
    foreach ($path in ($paths + $AgentBinaryCandidates)) {
        if ($path -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            $info = (Get-Item -LiteralPath $path).VersionInfo
            return ('{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart)
        }
    }
    $uninstallKeys = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    )
    foreach ($key in $uninstallKeys) {
        $product = Get-ItemProperty -Path $key -ErrorAction SilentlyContinue |
            Where-Object { $_.PSObject.Properties['DisplayName'] -and $_.DisplayName -match 'Provisioning Agent$' -and $_.PSObject.Properties['DisplayVersion'] } |
            Select-Object -First 1
        if ($product) { return [string]$product.DisplayVersion }
    }
    return $null
}

function Get-LastTraceLogTime {
    if (-not (Test-Path -LiteralPath $TraceDirectory)) { return $null }
    $newest = Get-ChildItem -LiteralPath $TraceDirectory -File -Recurse -ErrorAction SilentlyContinue |
        Sort-Object -Property LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $newest) { return $null }
    return ConvertTo-IsoUtc $newest.LastWriteTimeUtc
}

function Read-Config {
    if (-not (Test-Path -LiteralPath $ConfigPath -PathType Leaf)) { throw "configuration file $ConfigPath not found (run Install-CloudSyncHeartbeatTask.ps1)" }
    $config = Get-Content -LiteralPath $ConfigPath -Raw -Encoding UTF8 | ConvertFrom-Json
    foreach ($name in 'url', 'functionKey') {
        if (-not $config.PSObject.Properties[$name] -or -not [string]$config.$name) { throw "configuration file $ConfigPath has no $name" }
    }
    $uri = $null
    if (-not [Uri]::TryCreate([string]$config.url, [UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -ne 'https') {
        throw 'the url in the configuration file must be an https:// URL'
    }
    if ($uri.Query -match '(^|[?&])code=') { throw 'put the function key in functionKey, not in the url' }
    $tenantId = $null
    if ($config.PSObject.Properties['tenantId'] -and [string]$config.tenantId) {
        if ([string]$config.tenantId -notmatch '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$') { throw 'tenantId in the configuration file must be a GUID' }
        $tenantId = ([string]$config.tenantId).ToLowerInvariant()
    }
    $proxy = $null
    if ($config.PSObject.Properties['proxyUrl'] -and [string]$config.proxyUrl) { $proxy = [string]$config.proxyUrl }
    return @{ Uri = $uri; Key = [string]$config.functionKey; TenantId = $tenantId; Proxy = $proxy }
}

# The request body (README.md documents it; the heartbeat function validates it).
function New-HeartbeatBody([string]$TenantId) {
    $body = [ordered]@{
        machineName    = Get-MachineName
        agentVersion   = Get-AgentVersion
        services       = @(Get-ServiceStates)
        lastTraceLogAt = Get-LastTraceLogTime
        sentAt         = ConvertTo-IsoUtc (Get-Date)
    }
    if ($TenantId) { $body.tenantId = $TenantId }
    return $body
}

# Status code and Retry-After (seconds) of a failed request, on Windows PowerShell and PowerShell 7.
function Get-FailureDetails($ErrorRecord) {
    $status = $null
    $retryAfter = $null
    $response = $null
    if ($ErrorRecord.Exception.PSObject.Properties['Response']) { $response = $ErrorRecord.Exception.Response }
    if ($response) {
        try { $status = [int]$response.StatusCode } catch { }
        try {
            if ($response.Headers -is [System.Net.WebHeaderCollection]) {
                $value = $response.Headers['Retry-After']
                $seconds = 0
                if ($value -and [int]::TryParse($value, [ref]$seconds)) { $retryAfter = $seconds }
            }
            elseif ($response.Headers.RetryAfter -and $response.Headers.RetryAfter.Delta) {
                $retryAfter = [int]$response.Headers.RetryAfter.Delta.TotalSeconds
            }
        }
        catch { }
    }
    return @{ Status = $status; RetryAfter = $retryAfter }
}

function Send-Heartbeat($Config, [string]$Json) {
    $bytes = [Text.Encoding]::UTF8.GetBytes($Json)
    $request = @{
        Uri             = $Config.Uri
        Method          = 'Post'
        Body            = $bytes
        ContentType     = 'application/json; charset=utf-8'
        Headers         = @{ 'x-functions-key' = $Config.Key }
        UserAgent       = "CloudSyncMonitor-Heartbeat/$ScriptVersion"
        TimeoutSec      = $TimeoutSeconds
        UseBasicParsing = $true # no Internet Explorer engine for SYSTEM
    }
    if ($Config.Proxy) { $request.Proxy = $Config.Proxy }
    for ($attempt = 1; $attempt -le $MaxAttempts; $attempt++) {
        try {
            $response = Invoke-WebRequest @request
            Write-Log ('heartbeat sent to {0}: HTTP {1}' -f $Config.Uri.Host, [int]$response.StatusCode)
            return $true
        }
        catch {
            $failure = Get-FailureDetails $_
            $reason = if ($failure.Status) { "HTTP $($failure.Status)" } else { $_.Exception.Message }
            # A retry whose identical body the function already holds: an earlier attempt got through and
            # only its answer was lost. That is delivered, not refused (a first attempt's 409 stays a failure).
            $answer = if ($_.ErrorDetails -and $_.ErrorDetails.Message) { [string]$_.ErrorDetails.Message } else { '' }
            if ($failure.Status -eq 409 -and $attempt -gt 1 -and $answer -match 'already received') {
                Write-Log ('heartbeat sent to {0}: HTTP 409 on attempt {1}/{2}, an earlier attempt was already received' -f $Config.Uri.Host, $attempt, $MaxAttempts)
                return $true
            }
            # 4xx other than 408 and 429 will not change by retrying: a wrong key, URL or body.
            $retryable = (-not $failure.Status) -or $failure.Status -eq 408 -or $failure.Status -eq 429 -or $failure.Status -ge 500
            if (-not $retryable -or $attempt -eq $MaxAttempts) {
                Write-Log ('heartbeat NOT sent to {0} (attempt {1}/{2}): {3}' -f $Config.Uri.Host, $attempt, $MaxAttempts, $reason)
                if ($failure.Status -eq 401 -or $failure.Status -eq 403) { Write-Log 'check the function key in the configuration file' }
                if ($failure.Status -eq 404) { Write-Log 'check the url in the configuration file (https://<app>.azurewebsites.net/api/heartbeat)' }
                return $false
            }
            $wait = [Math]::Min(60, [Math]::Pow(2, $attempt)) + (Get-Random -Minimum 0 -Maximum 1000) / 1000
            if ($failure.RetryAfter) { $wait = [Math]::Min(60, [Math]::Max($wait, $failure.RetryAfter)) }
            Write-Log ('heartbeat attempt {0}/{1} failed: {2}; retrying in {3:N1} s' -f $attempt, $MaxAttempts, $reason, $wait)
            Start-Sleep -Milliseconds ([int]($wait * 1000))
        }
    }
    return $false
}

try {
    # Windows PowerShell defaults to older TLS versions; Azure requires TLS 1.2.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12

    $tenantId = $null
    $config = $null
    if (-not $DryRun) {
        try { $config = Read-Config }
        catch {
            Write-Log "configuration problem: $($_.Exception.Message)"
            exit 2
        }
        $Secret = $config.Key
        $tenantId = $config.TenantId
    }
    elseif (Test-Path -LiteralPath $ConfigPath) {
        try { $tenantId = (Read-Config).TenantId } catch { }
    }

    $json = New-HeartbeatBody $tenantId | ConvertTo-Json -Depth 5 -Compress
    if ($DryRun) {
        Write-Output $json
        exit 0
    }
    if (Send-Heartbeat $config $json) { exit 0 }
    exit 1
}
catch {
    Write-Log "heartbeat failed: $($_.Exception.Message)"
    exit 1
}
