# Pester container run by test/powershell/pester.test.ts: agent-heartbeat/Send-CloudSyncHeartbeat.ps1 posts
# over HTTPS with Invoke-WebRequest to the real heartbeat handler behind a Functions host stand-in
# (test/support/functionsHost.ts), which stores rows in DataDir's NDJSON tables. Only what Windows has and
# this machine has not is mocked: the CIM classes of the host and its services, the uninstall registry key,
# and Start-Sleep (the backoff between attempts).
param(
    [Parameter(Mandatory)][string]$Url,
    [Parameter(Mandatory)][string]$Key,
    [Parameter(Mandatory)][string]$DataDir,
    [Parameter(Mandatory)][string]$TenantId
)

BeforeAll {
    $script:HeartbeatScript = (Resolve-Path (Join-Path $PSScriptRoot '../../agent-heartbeat/Send-CloudSyncHeartbeat.ps1')).Path
    . (Join-Path $PSScriptRoot 'WindowsStubs.ps1')

    $env:ProgramData = Join-Path $TestDrive 'ProgramData'
    $env:ProgramFiles = Join-Path $TestDrive 'ProgramFiles'
    $script:ConfigDir = Join-Path $env:ProgramData 'CloudSyncMonitor'
    New-Item -ItemType Directory -Path $script:ConfigDir -Force | Out-Null
    $script:LogFile = Join-Path $script:ConfigDir 'heartbeat.log'

    # A trace log written a minute ago, where the agent writes them.
    $trace = Join-Path $env:ProgramData 'Microsoft\Azure AD Connect Provisioning Agent\Trace'
    New-Item -ItemType Directory -Path $trace -Force | Out-Null
    $traceFile = New-Item -ItemType File -Path (Join-Path $trace 'AzureADConnectProvisioningAgent.log') -Force
    $traceFile.LastWriteTimeUtc = [datetime]::UtcNow.AddMinutes(-1)

    function script:Write-Config([string]$FunctionKey) {
        $path = Join-Path $script:ConfigDir 'heartbeat.json'
        [ordered]@{ url = $Url; functionKey = $FunctionKey; tenantId = $TenantId.ToUpperInvariant() } |
            ConvertTo-Json | Set-Content -LiteralPath $path -Encoding utf8
        return $path
    }

    # The agent host the mocks describe (global: mock bodies run in Pester's scope); each test sets its own.
    function script:Set-AgentHost([string]$Machine, [object[]]$Services = @(), [string]$ProductName, [string]$ProductVersion) {
        $global:CsmAgentHost = @{ Machine = $Machine; Services = $Services; ProductName = $ProductName; ProductVersion = $ProductVersion }
    }
    function script:New-Service([string]$Name, [string]$DisplayName, [string]$State = 'Running', [string]$StartMode = 'Auto', [bool]$Delayed = $false) {
        [pscustomobject]@{
            Name = $Name; DisplayName = $DisplayName; State = $State; StartMode = $StartMode; DelayedAutoStart = $Delayed
            PathName = "`"C:\Program Files\Microsoft Azure AD Connect Provisioning Agent\$Name.exe`""
        }
    }

    Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' } -MockWith {
        [pscustomobject]@{ DNSHostName = $global:CsmAgentHost.Machine; Domain = 'contoso.com'; PartOfDomain = $true }
    }
    Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_Service' } -MockWith {
        if ($Filter -notmatch "^Name='([^']+)'$") { throw "unexpected WQL filter: $Filter" }
        $name = $Matches[1]
        $global:CsmAgentHost.Services | Where-Object { $_.Name -eq $name }
    }
    Mock Get-ItemProperty -ParameterFilter { "$Path" -like 'HKLM:*' } -MockWith {
        if ($global:CsmAgentHost.ProductName) {
            [pscustomobject]@{ DisplayName = $global:CsmAgentHost.ProductName; DisplayVersion = $global:CsmAgentHost.ProductVersion }
        }
    }
    Mock Start-Sleep { }

    # Runs the script as the scheduled task would; returns its exit code and what it logged.
    function script:Invoke-Heartbeat([string]$ConfigPath, [switch]$DryRun) {
        if (Test-Path -LiteralPath $script:LogFile) { Remove-Item -LiteralPath $script:LogFile }
        $global:LASTEXITCODE = $null
        $streams = @(& $script:HeartbeatScript -ConfigPath $ConfigPath -DryRun:$DryRun 6>&1)
        $exitCode = $LASTEXITCODE
        $output = ($streams | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] }) -join "`n"
        $hostText = ($streams | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }) -join "`n"
        $log = if (Test-Path -LiteralPath $script:LogFile) { Get-Content -LiteralPath $script:LogFile -Raw } else { '' }
        [pscustomobject]@{ ExitCode = $exitCode; Output = $output; Host = $hostText; Log = $log }
    }

    function script:Get-AgentRows([string]$Machine) {
        $table = Join-Path $DataDir 'tables/CloudSyncAgent_CL.ndjson'
        if (-not (Test-Path -LiteralPath $table)) { return @() }
        @(Get-Content -LiteralPath $table | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json } |
                Where-Object { $_.MachineName -eq $Machine })
    }

    $script:CurrentServices = @(
        (New-Service 'AADConnectProvisioningAgent' 'Microsoft Entra Provisioning Agent'),
        (New-Service 'AzureADConnectAgentUpdater' 'Microsoft Entra Connect Agent Updater' -Delayed $true)
    )
}

Describe 'Send-CloudSyncHeartbeat.ps1 against the heartbeat handler' {
    It 'delivers a heartbeat: the handler records a CloudSyncAgent_CL row from source heartbeat' {
        Set-AgentHost 'CSYNC01' $script:CurrentServices 'Microsoft Entra Provisioning Agent' '1.1.1370.0'
        $run = Invoke-Heartbeat (Write-Config $Key)

        $run.ExitCode | Should -Be 0 -Because $run.Host
        $run.Log | Should -Match 'heartbeat sent to 127\.0\.0\.1: HTTP 202'
        $run.Log | Should -Not -Match ([regex]::Escape($Key))
        $rows = Get-AgentRows 'CSYNC01.contoso.com'
        $rows.Count | Should -Be 1
        $rows[0].Source | Should -Be 'heartbeat'
        $rows[0].Status | Should -Be 'active'
        $rows[0].AgentVersion | Should -Be '1.1.1370.0'
        $rows[0].AADTenantId | Should -Be $TenantId
    }

    It 'refuses a replay: the same heartbeat sent again is answered 409, not retried, and stores nothing' {
        Set-AgentHost 'CSYNC02' $script:CurrentServices 'Microsoft Entra Provisioning Agent' '1.1.1370.0'
        $now = Get-Date
        Mock Get-Date { $now } # both runs build the identical body (same sentAt)
        $config = Write-Config $Key

        (Invoke-Heartbeat $config).ExitCode | Should -Be 0
        $replay = Invoke-Heartbeat $config

        $replay.ExitCode | Should -Be 1
        $replay.Log | Should -Match 'NOT sent to 127\.0\.0\.1 \(attempt 1/4\): HTTP 409'
        (Get-AgentRows 'CSYNC02.contoso.com').Count | Should -Be 1
    }

    It 'takes the 409 after a lost answer as delivered: the retry of an identical body found it recorded' {
        # The stand-in cuts the connection after handling the first post of this host (pester.test.ts).
        Set-AgentHost 'CSYNC-LOST' $script:CurrentServices 'Microsoft Entra Provisioning Agent' '1.1.1370.0'
        $run = Invoke-Heartbeat (Write-Config $Key)

        $run.Log | Should -Match 'attempt 1/4 failed'
        $run.ExitCode | Should -Be 0 -Because $run.Log
        $run.Log | Should -Match 'already received'
        (Get-AgentRows 'CSYNC-LOST.contoso.com').Count | Should -Be 1
    }

    It 'is refused with a wrong key: HTTP 401 from the host, not retried, the key never written out' {
        Set-AgentHost 'CSYNC03' $script:CurrentServices 'Microsoft Entra Provisioning Agent' '1.1.1370.0'
        $wrongKey = 'wrong-' + [guid]::NewGuid().ToString('N')
        $run = Invoke-Heartbeat (Write-Config $wrongKey)

        $run.ExitCode | Should -Be 1
        $run.Log | Should -Match 'NOT sent to 127\.0\.0\.1 \(attempt 1/4\): HTTP 401'
        $run.Log | Should -Match 'check the function key'
        "$($run.Log)$($run.Host)" | Should -Not -Match $wrongKey
        (Get-AgentRows 'CSYNC03.contoso.com').Count | Should -Be 0
    }

    It 'reports an older agent (the "Microsoft Azure AD Connect" display names the README lists) as running' {
        Set-AgentHost 'CSYNC04' @(
            (New-Service 'AADConnectProvisioningAgent' 'Microsoft Azure AD Connect Provisioning Agent'),
            (New-Service 'AzureADConnectAgentUpdater' 'Microsoft Azure AD Connect Agent Updater')
        ) 'Microsoft Azure AD Connect Provisioning Agent' '1.1.96.0'
        $config = Write-Config $Key

        $body = (Invoke-Heartbeat $config -DryRun).Output | ConvertFrom-Json
        $body.services.displayName | Should -Be @('Microsoft Azure AD Connect Provisioning Agent', 'Microsoft Azure AD Connect Agent Updater')
        $body.services.status | Should -Be @('Running', 'Running')
        $body.agentVersion | Should -Be '1.1.96.0'

        (Invoke-Heartbeat $config).ExitCode | Should -Be 0
        $rows = Get-AgentRows 'CSYNC04.contoso.com'
        $rows.Count | Should -Be 1
        $rows[0].Status | Should -Be 'active'
        $rows[0].AgentVersion | Should -Be '1.1.96.0'
    }

    It 'reports a host without the agent: both services NotInstalled, an inactive row' {
        Set-AgentHost 'CSYNC05'
        $config = Write-Config $Key

        $body = (Invoke-Heartbeat $config -DryRun).Output | ConvertFrom-Json
        $body.services.status | Should -Be @('NotInstalled', 'NotInstalled')
        $body.agentVersion | Should -BeNullOrEmpty

        (Invoke-Heartbeat $config).ExitCode | Should -Be 0
        $rows = Get-AgentRows 'CSYNC05.contoso.com'
        $rows[0].Status | Should -Be 'inactive'
    }
}
