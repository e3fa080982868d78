# Pester container run by test/powershell/pester.test.ts: agent-heartbeat/Install-CloudSyncHeartbeatTask.ps1
# with the Windows-only commands mocked (ScheduledTasks, Get-Service, ACLs: .NET has no Windows ACLs here),
# asserting what it copies, writes, locks down and registers. Files are real, under $TestDrive.
param()

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'AgentServices.ps1') # -ForEach data: the agent generations
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'WindowsStubs.ps1')
    . (Join-Path $PSScriptRoot 'AgentServices.ps1')
    $sourceDir = (Resolve-Path (Join-Path $PSScriptRoot '../../agent-heartbeat')).Path
    $script:SourceScript = Join-Path $sourceDir 'Send-CloudSyncHeartbeat.ps1'

    # `#Requires -RunAsAdministrator` means root off Windows. Not root: run a copy without that one line.
    $elevated = $IsWindows -or ((& id -u) -eq '0')
    if ($elevated) { $script:Installer = Join-Path $sourceDir 'Install-CloudSyncHeartbeatTask.ps1' }
    else {
        $copy = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'agent-heartbeat') -Force
        Copy-Item -LiteralPath $script:SourceScript -Destination $copy
        $script:Installer = Join-Path $copy 'Install-CloudSyncHeartbeatTask.ps1'
        Get-Content -LiteralPath (Join-Path $sourceDir 'Install-CloudSyncHeartbeatTask.ps1') |
            Where-Object { $_ -notmatch '^#Requires -RunAsAdministrator' } | Set-Content -LiteralPath $script:Installer
    }

    $env:ProgramFiles = Join-Path $TestDrive 'Program Files'
    $env:ProgramData = Join-Path $TestDrive 'ProgramData'
    $env:SystemRoot = Join-Path $TestDrive 'Windows'
    $script:ScriptPath = Join-Path $env:ProgramFiles 'CloudSyncMonitor/Send-CloudSyncHeartbeat.ps1'
    $script:DataDir = Join-Path $env:ProgramData 'CloudSyncMonitor'
    $script:ConfigPath = Join-Path $script:DataDir 'heartbeat.json'
    $script:Url = 'https://func-abc123.azurewebsites.net/api/heartbeat'
    $script:TaskPath = '\CloudSyncMonitor\'
    $script:TaskName = 'Cloud Sync Monitor heartbeat'

    # What the ScheduledTasks cmdlets were given, as the objects they would return.
    Mock New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
    # (a mock body sees the parameters as variables; its $PSBoundParameters is empty)
    Mock New-ScheduledTaskTrigger {
        [pscustomobject]@{ Once = [bool]$Once; At = $At; RepetitionInterval = $RepetitionInterval; RepetitionDuration = $RepetitionDuration }
    }
    Mock New-ScheduledTaskPrincipal { [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
    Mock New-ScheduledTaskSettingsSet {
        [pscustomobject]@{
            ExecutionTimeLimit = $ExecutionTimeLimit; MultipleInstances = $MultipleInstances; StartWhenAvailable = [bool]$StartWhenAvailable
            AllowStartIfOnBatteries = [bool]$AllowStartIfOnBatteries; DontStopIfGoingOnBatteries = [bool]$DontStopIfGoingOnBatteries
        }
    }
    Mock Register-ScheduledTask {
        $global:CsmRegistered += [pscustomobject]@{
            TaskPath = $TaskPath; TaskName = $TaskName; Action = $Action; Trigger = $Trigger; Principal = $Principal
            Settings = $Settings; Description = $Description; User = $User; Force = [bool]$Force
        }
    }
    Mock Start-ScheduledTask { }
    Mock Unregister-ScheduledTask { }
    Mock Start-Sleep { }
    Mock Read-Host { ConvertTo-SecureString 'prompted-key-1234' -AsPlainText -Force }

    # Windows ACL objects, recorded (the .NET types throw PlatformNotSupported off Windows); every other
    # New-Object is the real one (Pester 6 has no fall-through to the original command).
    # (calling New-Object from the mock, even module-qualified, would be the mock again).
    Mock New-Object { [Activator]::CreateInstance([type]$TypeName, [object[]]@($ArgumentList)) }
    Mock New-Object -ParameterFilter { $TypeName -in 'System.Security.AccessControl.DirectorySecurity', 'System.Security.AccessControl.FileSecurity' } -MockWith {
        $acl = [pscustomobject]@{ Type = $TypeName; Protected = $null; KeepInherited = $null; Rules = [System.Collections.ArrayList]::new() }
        $acl | Add-Member -MemberType ScriptMethod -Name SetAccessRuleProtection -Value { param($isProtected, $preserve) $this.Protected = $isProtected; $this.KeepInherited = $preserve }
        $acl | Add-Member -MemberType ScriptMethod -Name AddAccessRule -Value { param($rule) [void]$this.Rules.Add($rule) }
        $acl
    }
    Mock New-Object -ParameterFilter { $TypeName -eq 'System.Security.Principal.SecurityIdentifier' } -MockWith { [pscustomobject]@{ Value = [string]$ArgumentList[0] } }
    Mock New-Object -ParameterFilter { $TypeName -eq 'System.Security.AccessControl.FileSystemAccessRule' } -MockWith {
        [pscustomobject]@{ Sid = $ArgumentList[0].Value; Rights = $ArgumentList[1]; Inheritance = $ArgumentList[2]; Propagation = $ArgumentList[3]; Type = $ArgumentList[4] }
    }
    Mock Set-Acl { $global:CsmAcls += [pscustomobject]@{ Path = $LiteralPath[0]; Acl = $AclObject; ConfigExisted = (Test-Path -LiteralPath $script:ConfigPath) } }

    Use-AgentServices

    function script:Invoke-Installer([hashtable]$Arguments) {
        $streams = @(& $script:Installer @Arguments 3>&1 6>&1)
        [pscustomobject]@{
            Warnings = @($streams | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object { $_.Message })
            Host     = ($streams | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }) -join "`n"
        }
    }
}

Describe 'Install-CloudSyncHeartbeatTask.ps1' {
    BeforeEach {
        $global:CsmRegistered = @()
        $global:CsmAcls = @()
        Set-InstalledServices $AgentServiceGenerations[0].Services
        foreach ($dir in $env:ProgramFiles, $env:ProgramData) { if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force } }
        Mock Get-ScheduledTask { [pscustomobject]@{ State = 'Ready' } }
        Mock Get-ScheduledTaskInfo { [pscustomobject]@{ LastTaskResult = 0 } }
    }

    It 'registers \CloudSyncMonitor\Cloud Sync Monitor heartbeat: the installed copy, as SYSTEM, every 5 minutes' {
        $run = Invoke-Installer @{ FunctionUrl = $Url; NoTestRun = $true }

        Should -Invoke Register-ScheduledTask -Times 1 -Exactly
        $task = $global:CsmRegistered[0]
        $task.TaskPath | Should -Be $TaskPath
        $task.TaskName | Should -Be $TaskName
        $task.Force | Should -BeTrue
        $task.Description | Should -Not -BeNullOrEmpty

        $task.Action.Execute | Should -Be (Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe')
        $task.Action.Arguments | Should -Be ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}" -ConfigPath "{1}"' -f $ScriptPath, $ConfigPath)

        $task.Trigger.Once | Should -BeTrue
        $task.Trigger.RepetitionInterval | Should -Be ([timespan]::FromMinutes(5))
        $task.Trigger.RepetitionDuration | Should -BeNullOrEmpty # repeats indefinitely
        $task.Trigger.At | Should -BeGreaterThan (Get-Date)

        $task.Principal.UserId | Should -Be 'SYSTEM'
        $task.User | Should -BeNullOrEmpty # no stored password
        $task.Principal.LogonType | Should -Be 'ServiceAccount'
        $task.Principal.RunLevel | Should -Be 'Highest'

        $settings = $task.Settings
        $settings.ExecutionTimeLimit | Should -Be ([timespan]::FromMinutes(4))
        $settings.MultipleInstances | Should -Be 'IgnoreNew'
        foreach ($switch in 'StartWhenAvailable', 'AllowStartIfOnBatteries', 'DontStopIfGoingOnBatteries') { $settings.$switch | Should -BeTrue -Because $switch }

        (Get-FileHash -LiteralPath $ScriptPath).Hash | Should -Be (Get-FileHash -LiteralPath $SourceScript).Hash
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly # -NoTestRun
        $run.Host | Should -Not -Match 'prompted-key'
    }

    It 'writes the configuration into a folder locked down (SYSTEM and Administrators only) before the key is in it' {
        $key = ConvertTo-SecureString 'given-key-5678' -AsPlainText -Force
        Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = $key; TenantId = '3F1B7C2A-9D4E-4A6B-8C1D-2E5F7A9B0C3D'; ProxyUrl = 'http://proxy.contoso.com:8080'; NoTestRun = $true } | Out-Null

        Should -Invoke Read-Host -Times 0 -Exactly
        $config = Get-Content -LiteralPath $ConfigPath -Raw | ConvertFrom-Json
        $config.url | Should -Be $Url
        $config.functionKey | Should -Be 'given-key-5678'
        $config.tenantId | Should -Be '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d'
        $config.proxyUrl | Should -Be 'http://proxy.contoso.com:8080'
        [IO.File]::ReadAllBytes($ConfigPath)[0] | Should -Be ([byte][char]'{') # UTF-8 without a byte order mark

        $global:CsmAcls.Path | Should -Be @($DataDir, $ConfigPath)
        $global:CsmAcls[0].ConfigExisted | Should -BeFalse
        foreach ($entry in $global:CsmAcls) {
            $entry.Acl.Protected | Should -BeTrue
            $entry.Acl.KeepInherited | Should -BeFalse
            $entry.Acl.Rules.Sid | Should -Be @('S-1-5-18', 'S-1-5-32-544')
            $entry.Acl.Rules.Rights | Should -Be @('FullControl', 'FullControl')
            $entry.Acl.Rules.Type | Should -Be @('Allow', 'Allow')
        }
        $global:CsmAcls[0].Acl.Rules[0].Inheritance | Should -Be 'ContainerInherit, ObjectInherit'
        $global:CsmAcls[1].Acl.Rules[0].Inheritance | Should -Be 'None'
    }

    It 'prompts for the key when none is given, and a second run replaces URL and key' {
        Invoke-Installer @{ FunctionUrl = $Url; NoTestRun = $true } | Out-Null
        Should -Invoke Read-Host -Times 1 -Exactly
        (Get-Content -LiteralPath $ConfigPath -Raw | ConvertFrom-Json).functionKey | Should -Be 'prompted-key-1234'

        $newUrl = 'https://func-new.azurewebsites.net/api/heartbeat'
        Invoke-Installer @{ FunctionUrl = $newUrl; FunctionKey = (ConvertTo-SecureString 'rotated' -AsPlainText -Force); IntervalMinutes = 15; NoTestRun = $true } | Out-Null
        $config = Get-Content -LiteralPath $ConfigPath -Raw | ConvertFrom-Json
        $config.url | Should -Be $newUrl
        $config.functionKey | Should -Be 'rotated'
        @($config.PSObject.Properties.Name) | Should -Not -Contain 'tenantId'
        $global:CsmRegistered.Count | Should -Be 2
        $global:CsmRegistered[1].Trigger.RepetitionInterval | Should -Be ([timespan]::FromMinutes(15))
        $global:CsmRegistered[1].Force | Should -BeTrue
    }

    It 'runs the task once and reports a sent heartbeat' {
        $global:CsmPolls = 0
        Mock Get-ScheduledTask { $global:CsmPolls++; [pscustomobject]@{ State = $(if ($global:CsmPolls -lt 3) { 'Running' } else { 'Ready' }) } }
        $run = Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = (ConvertTo-SecureString 'k' -AsPlainText -Force) }

        Should -Invoke Start-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskPath -eq '\CloudSyncMonitor\' -and $TaskName -eq 'Cloud Sync Monitor heartbeat' }
        $global:CsmPolls | Should -Be 3
        $run.Host | Should -Match 'Heartbeat sent'
        $run.Warnings | Should -BeNullOrEmpty
    }

    It 'reports a failed test run with its exit code and the log to read' {
        Mock Get-ScheduledTaskInfo { [pscustomobject]@{ LastTaskResult = 2 } }
        $run = Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = (ConvertTo-SecureString 'k' -AsPlainText -Force) }

        $run.Warnings | Should -HaveCount 1
        $run.Warnings[0] | Should -Match 'code 2'
        $run.Warnings[0] | Should -Match ([regex]::Escape((Join-Path $DataDir 'heartbeat.log')))
    }

    It 'refuses a URL carrying the key (?code=) and registers nothing' {
        { & $Installer -FunctionUrl "$Url`?code=abc" -NoTestRun } | Should -Throw '*without ?code=*'
        { & $Installer -FunctionUrl 'http://func-abc123.azurewebsites.net/api/heartbeat' -NoTestRun } | Should -Throw '*FunctionUrl*'
        Should -Invoke Register-ScheduledTask -Times 0 -Exactly
        Test-Path -LiteralPath $ConfigPath | Should -BeFalse
    }

    It 'finds the agent services on a host with the <Generation> display names: no warning' -ForEach $AgentServiceGenerations {
        Set-InstalledServices $Services
        $run = Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = (ConvertTo-SecureString 'k' -AsPlainText -Force); NoTestRun = $true }
        $run.Warnings | Should -BeNullOrEmpty
    }

    It 'warns about each agent service a host does not have' {
        Set-InstalledServices @()
        $run = Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = (ConvertTo-SecureString 'k' -AsPlainText -Force); NoTestRun = $true }
        $run.Warnings | Should -HaveCount 2
        $run.Warnings[0] | Should -Match 'AADConnectProvisioningAgent is not installed'
        $run.Warnings[1] | Should -Match 'AzureADConnectAgentUpdater is not installed'
        Should -Invoke Register-ScheduledTask -Times 1 -Exactly # installs anyway: heartbeats report NotInstalled
    }

    It '-Uninstall removes the task, the script and the configuration' {
        Invoke-Installer @{ FunctionUrl = $Url; FunctionKey = (ConvertTo-SecureString 'k' -AsPlainText -Force); NoTestRun = $true } | Out-Null
        Invoke-Installer @{ Uninstall = $true } | Out-Null

        Should -Invoke Unregister-ScheduledTask -Times 1 -Exactly -ParameterFilter { $TaskPath -eq '\CloudSyncMonitor\' -and $TaskName -eq 'Cloud Sync Monitor heartbeat' }
        Test-Path -LiteralPath (Split-Path -Parent $ScriptPath) | Should -BeFalse
        Test-Path -LiteralPath $DataDir | Should -BeFalse
    }

    It '-Uninstall on a host without the task removes nothing it does not find' {
        Mock Get-ScheduledTask { }
        { Invoke-Installer @{ Uninstall = $true } } | Should -Not -Throw
        Should -Invoke Unregister-ScheduledTask -Times 0 -Exactly
    }
}
