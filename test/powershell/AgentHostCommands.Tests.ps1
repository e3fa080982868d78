# Pester container run by test/powershell/pester.test.ts: the service commands the alert messages
# tell an admin to run on an agent host (src/render/guidance), run against a mocked Get-Service /
# Start-Service / Restart-Service that answers as Windows does, for every agent generation
# agent-heartbeat/README.md lists (the display names changed with the Entra rename; the service names did not).
param([Parameter(Mandatory)][string[]]$Commands)

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'AgentServices.ps1')
    $cases = foreach ($generation in $AgentServiceGenerations) {
        foreach ($command in $Commands) { @{ Generation = $generation.Generation; Services = $generation.Services; Command = $command } }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'WindowsStubs.ps1')
    . (Join-Path $PSScriptRoot 'AgentServices.ps1')
    Use-AgentServices
}

Describe 'agent-host service commands of the alert messages' {
    It 'the README lists the display names of every generation tested here' {
        $readme = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../../agent-heartbeat/README.md') -Raw
        foreach ($name in 'Microsoft Entra Provisioning Agent', 'Microsoft Entra Connect Agent Updater', 'AADConnectProvisioningAgent', 'AzureADConnectAgentUpdater') {
            $readme | Should -Match ([regex]::Escape($name))
        }
        $readme | Should -Match 'older agents: "Microsoft Azure AD Connect'
    }

    It 'on an agent host with the <Generation> display names: <Command>' -ForEach $cases {
        Set-InstalledServices $Services
        $errors = @()
        $found = @(Invoke-Expression $Command -ErrorVariable +errors -ErrorAction SilentlyContinue)
        $errors | ForEach-Object { "$_" } | Should -BeNullOrEmpty
        $verb = ($Command -split '\s+')[0]
        if ($verb -eq 'Get-Service') {
            $found.Name | Should -Be @('AADConnectProvisioningAgent', 'AzureADConnectAgentUpdater')
        }
        else {
            $global:CsmServiceActions | Should -Be @("$(($verb -replace '-Service$').ToLowerInvariant()) AADConnectProvisioningAgent")
        }
    }
}
