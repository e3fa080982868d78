# Pester container run by test/powershell/pester.test.ts: infra/scripts/grant-graph-permissions.ps1 as the
# azd hook runs it (settings from AZURE_TENANT_ID and AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID), with a stand-in
# `az` (BinDir) first on PATH that talks HTTPS to a local Graph stand-in (GraphUrl). Start-Sleep is mocked:
# the script waits 15 s between attempts for an identity that has not replicated yet.
param(
    [Parameter(Mandatory)][string]$BinDir,
    [Parameter(Mandatory)][string]$GraphUrl,
    [Parameter(Mandatory)][string]$TenantId,
    [Parameter(Mandatory)][hashtable]$Principals
)

BeforeAll {
    $script:GrantScript = (Resolve-Path (Join-Path $PSScriptRoot '../../infra/scripts/grant-graph-permissions.ps1')).Path
    $env:PATH = $BinDir + [IO.Path]::PathSeparator + $env:PATH
    $env:FAKE_AZ_GRAPH = $GraphUrl
    $script:Permissions = 'Synchronization.Read.All', 'AuditLog.Read.All', 'Directory.Read.All'
    Mock Start-Sleep { }

    # Runs the script as the azd hook does; returns its exit code, what it printed and the az calls it made.
    function script:Invoke-Grant([string]$Principal, [string]$SignedInTenant = $TenantId, [string]$Account = 'admin') {
        $env:AZURE_TENANT_ID = $TenantId
        $env:AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID = $Principal
        $env:FAKE_AZ_TENANT = $SignedInTenant
        $env:FAKE_AZ_ACCOUNT = $Account
        $env:FAKE_AZ_LOG = Join-Path $TestDrive ([guid]::NewGuid().ToString() + '.log')
        Set-Content -LiteralPath $env:FAKE_AZ_LOG -Value $null
        $global:LASTEXITCODE = $null
        $output = & $script:GrantScript 6>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output; AzCalls = @(Get-Content -LiteralPath $env:FAKE_AZ_LOG | Where-Object { $_ }) }
    }
}

Describe 'grant-graph-permissions.ps1 (Azure CLI) against a Graph stand-in' {
    It 'grants the three application permissions to a new managed identity' {
        $run = Invoke-Grant $Principals.fresh

        $run.ExitCode | Should -Be 0 -Because $run.Output
        foreach ($permission in $Permissions) { $run.Output | Should -Match "  $([regex]::Escape($permission)): granted" }
        $run.Output | Should -Match 'All Microsoft Graph permissions are in place\.'
        @($run.AzCalls | Where-Object { $_ -like 'rest --method post*' }).Count | Should -Be 3
        $run.AzCalls | Where-Object { $_ -like 'rest --method post*' } |
            ForEach-Object { $_ | Should -BeLike "*--url $GraphUrl/v1.0/servicePrincipals/$($Principals.fresh)/appRoleAssignments*" }
    }

    It 'is idempotent: a second run grants nothing new and succeeds' {
        $run = Invoke-Grant $Principals.fresh

        $run.ExitCode | Should -Be 0 -Because $run.Output
        foreach ($permission in $Permissions) { $run.Output | Should -Match "  $([regex]::Escape($permission)): already granted" }
        $run.AzCalls | Where-Object { $_ -like 'rest --method post*' } | Should -BeNullOrEmpty
    }

    It 'grants only what is missing when the identity holds some permissions already' {
        $run = Invoke-Grant $Principals.partly

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match '  AuditLog\.Read\.All: already granted'
        $run.Output | Should -Match '  Synchronization\.Read\.All: granted'
        $run.Output | Should -Match '  Directory\.Read\.All: granted'
        @($run.AzCalls | Where-Object { $_ -like 'rest --method post*' }).Count | Should -Be 2
    }

    It "refuses to work in another tenant than AZURE_TENANT_ID, before any Graph call" {
        $other = '11111111-2222-4333-8444-555555555555'
        $run = Invoke-Grant $Principals.denied -SignedInTenant $other -Account 'admin-elsewhere'

        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "signed in to tenant $other, but the deployment is in tenant $TenantId"
        $run.Output | Should -Match "az login --tenant $TenantId"
        $run.Output | Should -Match 'WARNING: not granted: Synchronization\.Read\.All, AuditLog\.Read\.All, Directory\.Read\.All'
        $run.AzCalls | Should -Be @('account show --query tenantId --output tsv')
    }

    It 'says so when the Azure CLI is not signed in' {
        $run = Invoke-Grant $Principals.denied -SignedInTenant ''

        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'not signed in \(az login\)'
        $run.Output | Should -Match 'ask a Privileged Role Administrator to run one of'
    }

    It 'names the cause when the account may read but not grant (403 Authorization_RequestDenied)' {
        $run = Invoke-Grant $Principals.denied -Account 'reader'

        $run.ExitCode | Should -Be 1
        foreach ($permission in $Permissions) {
            $run.Output | Should -Match "  $([regex]::Escape($permission)): NOT granted: the signed-in account is not allowed to grant application permissions"
        }
        $run.Output | Should -Match "pwsh infra/scripts/grant-graph-permissions\.ps1 -PrincipalId $($Principals.denied) -UseGraphPowerShell"
    }

    It 'names the cause when the account may not even read Microsoft Graph (403)' {
        $run = Invoke-Grant $Principals.denied -Account 'nobody'

        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'could not read the Microsoft Graph service principal'
        $run.Output | Should -Match 'Insufficient privileges to complete the operation'
        $run.AzCalls | Where-Object { $_ -like 'rest --method post*' } | Should -BeNullOrEmpty
    }

    It 'retries an identity Graph does not know yet, then names it as missing' {
        $run = Invoke-Grant $Principals.missing

        $run.ExitCode | Should -Be 1
        Should -Invoke Start-Sleep -Times 15 -Exactly # 5 waits for each of the 3 permissions
        @($run.AzCalls | Where-Object { $_ -like 'rest --method post*' }).Count | Should -Be 18
        $run.Output | Should -Match "NOT granted: .*Resource '$($Principals.missing)' does not exist"
    }

    It 'stops before calling az without a principal id' {
        $run = Invoke-Grant ''

        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'no principal id'
        $run.AzCalls | Should -BeNullOrEmpty
    }
}
