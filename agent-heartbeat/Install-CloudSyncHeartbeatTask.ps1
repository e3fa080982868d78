#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
Installs (or removes) the Cloud Sync Monitor heartbeat on a Microsoft Entra provisioning agent host.

.DESCRIPTION
- Copies Send-CloudSyncHeartbeat.ps1 to "$env:ProgramFiles\CloudSyncMonitor" (writable by Administrators only).
- Writes the heartbeat URL and function key to "$env:ProgramData\CloudSyncMonitor\heartbeat.json", in a folder
  only SYSTEM and Administrators can read (inherited permissions removed). The key is prompted for, not typed
  on the command line, unless passed as a SecureString.
- Registers the scheduled task "\CloudSyncMonitor\Cloud Sync Monitor heartbeat" running the script as SYSTEM
  every 5 minutes, and runs it once to check the setup.
Run it again to change the URL or key; -Uninstall removes the task, the script and the configuration.

.EXAMPLE
.\Install-CloudSyncHeartbeatTask.ps1 -FunctionUrl https://func-abc123.azurewebsites.net/api/heartbeat

.EXAMPLE
.\Install-CloudSyncHeartbeatTask.ps1 -Uninstall
#>
[CmdletBinding(DefaultParameterSetName = 'Install')]
param(
    # The heartbeat function's URL (azd output CLOUDSYNC_HEARTBEAT_URL), without ?code=.
    [Parameter(Mandatory, ParameterSetName = 'Install')]
    [ValidatePattern('^https://')]
    [string]$FunctionUrl,

    # The heartbeat function's key; prompted for when omitted.
    [Parameter(ParameterSetName = 'Install')]
    [securestring]$FunctionKey,

    # Optional: the Entra tenant id, sent with each heartbeat.
    [Parameter(ParameterSetName = 'Install')]
    [ValidatePattern('^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')]
    [string]$TenantId,

    # Optional: an HTTP proxy for the outbound call, e.g. http://proxy.contoso.com:8080.
    [Parameter(ParameterSetName = 'Install')]
    [string]$ProxyUrl,

    [Parameter(ParameterSetName = 'Install')]
    [ValidateRange(1, 60)]
    [int]$IntervalMinutes = 5,

    # Skip the test run after installing.
    [Parameter(ParameterSetName = 'Install')]
    [switch]$NoTestRun,

    [Parameter(Mandatory, ParameterSetName = 'Uninstall')]
    [switch]$Uninstall
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$TaskPath = '\CloudSyncMonitor\'
$TaskName = 'Cloud Sync Monitor heartbeat'
$ScriptDirectory = Join-Path $env:ProgramFiles 'CloudSyncMonitor'
$DataDirectory = Join-Path $env:ProgramData 'CloudSyncMonitor'
$ScriptPath = Join-Path $ScriptDirectory 'Send-CloudSyncHeartbeat.ps1'
$ConfigPath = Join-Path $DataDirectory 'heartbeat.json'
$LogPath = Join-Path $DataDirectory 'heartbeat.log'

# Full control for SYSTEM and Administrators only; nothing inherited from the parent folder.
function Set-PrivateAcl([string]$Path, [switch]$Directory) {
    $acl = if ($Directory) { New-Object System.Security.AccessControl.DirectorySecurity } else { New-Object System.Security.AccessControl.FileSecurity }
    $acl.SetAccessRuleProtection($true, $false)
    $inheritance = if ($Directory) { 'ContainerInherit, ObjectInherit' } else { 'None' }
    foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') { # LocalSystem, BUILTIN\Administrators
        $identity = New-Object System.Security.Principal.SecurityIdentifier $sid
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($identity, 'FullControl', $inheritance, 'None', 'Allow')
        $acl.AddAccessRule($rule)
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
}

if ($Uninstall) {
    if (Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue) {
        Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Confirm:$false
        Write-Host "Removed the scheduled task $TaskPath$TaskName."
    }
    foreach ($path in $ScriptDirectory, $DataDirectory) {
        if (Test-Path -LiteralPath $path) {
            Remove-Item -LiteralPath $path -Recurse -Force
            Write-Host "Removed $path."
        }
    }
    return
}

$source = Join-Path $PSScriptRoot 'Send-CloudSyncHeartbeat.ps1'
if (-not (Test-Path -LiteralPath $source)) { throw "Send-CloudSyncHeartbeat.ps1 must be next to this script ($PSScriptRoot)." }
if ($FunctionUrl -match '[?&]code=') { throw 'Pass the URL without ?code=...; the key goes in -FunctionKey (or the prompt).' }
foreach ($service in 'AADConnectProvisioningAgent', 'AzureADConnectAgentUpdater') {
    if (-not (Get-Service -Name $service -ErrorAction SilentlyContinue)) {
        Write-Warning "The service $service is not installed here: is this a provisioning agent host? Heartbeats will report it as NotInstalled."
    }
}

if (-not $FunctionKey) { $FunctionKey = Read-Host -AsSecureString -Prompt 'Function key of the heartbeat function' }
$plainKey = (New-Object System.Management.Automation.PSCredential -ArgumentList 'key', $FunctionKey).GetNetworkCredential().Password
if (-not $plainKey) { throw 'The function key is empty.' }

# The script: under Program Files, so only Administrators can change what SYSTEM runs.
New-Item -ItemType Directory -Path $ScriptDirectory -Force | Out-Null
Copy-Item -LiteralPath $source -Destination $ScriptPath -Force

# The configuration: the folder is locked down before the key is written into it.
New-Item -ItemType Directory -Path $DataDirectory -Force | Out-Null
Set-PrivateAcl -Path $DataDirectory -Directory
$config = [ordered]@{ url = $FunctionUrl; functionKey = $plainKey }
if ($TenantId) { $config.tenantId = $TenantId.ToLowerInvariant() }
if ($ProxyUrl) { $config.proxyUrl = $ProxyUrl }
[IO.File]::WriteAllText($ConfigPath, ($config | ConvertTo-Json), (New-Object System.Text.UTF8Encoding $false))
Set-PrivateAcl -Path $ConfigPath
$plainKey = $null
Write-Host "Wrote $ConfigPath (readable by SYSTEM and Administrators only)."

$powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$arguments = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}" -ConfigPath "{1}"' -f $ScriptPath, $ConfigPath
$action = New-ScheduledTaskAction -Execute $powershell -Argument $arguments
# Repeats indefinitely (no RepetitionDuration); the first run is a minute from now.
$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1) -RepetitionInterval (New-TimeSpan -Minutes $IntervalMinutes)
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Minutes 4) -MultipleInstances IgnoreNew `
    -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
Register-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Action $action -Trigger $trigger -Principal $principal `
    -Settings $settings -Description 'Posts the state of the Microsoft Entra provisioning agent to Cloud Sync Monitor.' -Force | Out-Null
Write-Host "Registered the scheduled task $TaskPath$TaskName (every $IntervalMinutes minutes, as SYSTEM)."

if ($NoTestRun) { return }
Write-Host 'Running it once to check the setup...'
Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
$deadline = (Get-Date).AddSeconds(180)
do {
    Start-Sleep -Seconds 2
    $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
} while (($task.State -eq 'Running' -or $task.State -eq 'Queued') -and (Get-Date) -lt $deadline)
$result = (Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $TaskName).LastTaskResult
if ($result -eq 0) {
    Write-Host 'Heartbeat sent. The monitor now records this host in CloudSyncAgent_CL every few minutes.'
}
else {
    Write-Warning "The test run ended with code $result (1: not sent, 2: configuration problem). See $LogPath."
}
