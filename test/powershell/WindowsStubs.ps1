# Windows-only commands the agent-heartbeat scripts call, declared with their real parameter names (the
# subset the scripts use) so that Pester can mock them off Windows: a call with a misspelt parameter fails
# to bind here as it would on Windows. A stub that is not mocked throws. On Windows the real commands exist
# and nothing is declared.

function Add-WindowsStub([string]$Name, [scriptblock]$Definition) {
    if (-not (Get-Command -Name $Name -ErrorAction SilentlyContinue)) {
        Set-Item -Path "function:global:$Name" -Value $Definition
    }
}

Add-WindowsStub Get-CimInstance { [CmdletBinding()] param([string]$ClassName, [string]$Filter, [string]$Namespace) throw "Get-CimInstance $ClassName is not mocked" }
Add-WindowsStub Get-Service { [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name, [string[]]$DisplayName) throw 'Get-Service is not mocked' }
Add-WindowsStub Start-Service { [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name, [string[]]$DisplayName, [switch]$PassThru) throw 'Start-Service is not mocked' }
Add-WindowsStub Restart-Service { [CmdletBinding()] param([Parameter(Position = 0)][string[]]$Name, [string[]]$DisplayName, [switch]$Force, [switch]$PassThru) throw 'Restart-Service is not mocked' }
Add-WindowsStub Set-Acl { [CmdletBinding()] param([string[]]$Path, [string[]]$LiteralPath, [object]$AclObject) throw 'Set-Acl is not mocked' }

Add-WindowsStub New-ScheduledTaskAction { [CmdletBinding()] param([Parameter(Mandatory)][string]$Execute, [string]$Argument, [string]$WorkingDirectory, [string]$Id) throw 'not mocked' }
Add-WindowsStub New-ScheduledTaskTrigger { [CmdletBinding()] param([switch]$Once, [switch]$Daily, [switch]$AtStartup, [switch]$AtLogOn, [datetime]$At, [timespan]$RepetitionInterval, [Nullable[timespan]]$RepetitionDuration, [timespan]$RandomDelay) throw 'not mocked' }
Add-WindowsStub New-ScheduledTaskPrincipal { [CmdletBinding()] param([string]$UserId, [string]$GroupId, [ValidateSet('None', 'Password', 'S4U', 'Interactive', 'Group', 'ServiceAccount', 'InteractiveOrPassword')][string]$LogonType, [ValidateSet('Limited', 'Highest')][string]$RunLevel, [string]$Id) throw 'not mocked' }
Add-WindowsStub New-ScheduledTaskSettingsSet { [CmdletBinding()] param([timespan]$ExecutionTimeLimit, [ValidateSet('Parallel', 'Queue', 'IgnoreNew', 'StopExisting')][string]$MultipleInstances, [switch]$StartWhenAvailable, [switch]$AllowStartIfOnBatteries, [switch]$DontStopIfGoingOnBatteries, [switch]$Hidden, [switch]$RunOnlyIfNetworkAvailable, [int]$RestartCount, [timespan]$RestartInterval) throw 'not mocked' }
Add-WindowsStub Register-ScheduledTask { [CmdletBinding()] param([Parameter(Position = 0)][string]$TaskName, [string]$TaskPath, [object[]]$Action, [object[]]$Trigger, [object]$Principal, [object]$Settings, [string]$Description, [string]$User, [string]$Password, [switch]$Force) throw 'not mocked' }
Add-WindowsStub Get-ScheduledTask { [CmdletBinding()] param([string[]]$TaskName, [string[]]$TaskPath) throw 'not mocked' }
Add-WindowsStub Get-ScheduledTaskInfo { [CmdletBinding()] param([string]$TaskName, [string]$TaskPath) throw 'not mocked' }
Add-WindowsStub Start-ScheduledTask { [CmdletBinding()] param([string]$TaskName, [string]$TaskPath) throw 'not mocked' }
Add-WindowsStub Unregister-ScheduledTask { [CmdletBinding(SupportsShouldProcess)] param([string[]]$TaskName, [string[]]$TaskPath) throw 'not mocked' }
