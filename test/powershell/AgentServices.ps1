# The Windows services of a Cloud Sync agent host, per agent generation, as agent-heartbeat/README.md lists
# them: the service names never changed; the display names did ("Microsoft Azure AD Connect ..." before the
# Entra rename). Dot-sourced by the Pester containers; Use-AgentServices mocks Get-Service (and the service
# verbs) the way Windows answers: -Name matches service names, -DisplayName display names, wildcards allowed,
# and a name that matches nothing is an error (silenced by -ErrorAction SilentlyContinue).

$script:AgentServiceGenerations = @(
    @{
        Generation = 'current (Microsoft Entra)'
        Services   = @(
            @{ Name = 'AADConnectProvisioningAgent'; DisplayName = 'Microsoft Entra Provisioning Agent' },
            @{ Name = 'AzureADConnectAgentUpdater'; DisplayName = 'Microsoft Entra Connect Agent Updater' }
        )
    },
    @{
        Generation = 'older (Microsoft Azure AD Connect)'
        Services   = @(
            @{ Name = 'AADConnectProvisioningAgent'; DisplayName = 'Microsoft Azure AD Connect Provisioning Agent' },
            @{ Name = 'AzureADConnectAgentUpdater'; DisplayName = 'Microsoft Azure AD Connect Agent Updater' }
        )
    }
)

function Find-MockService([object[]]$Installed, [hashtable]$Bound) {
    if ($Bound.ContainsKey('DisplayName')) {
        foreach ($pattern in $Bound.DisplayName) {
            $found = @($Installed | Where-Object { $_.DisplayName -like $pattern })
            if (-not $found) { Write-Error "Cannot find any service with display name '$pattern'." -Category ObjectNotFound }
            $found
        }
        return
    }
    if ($Bound.ContainsKey('Name')) {
        foreach ($pattern in $Bound.Name) {
            $found = @($Installed | Where-Object { $_.Name -like $pattern })
            if (-not $found) { Write-Error "Cannot find any service with service name '$pattern'." -Category ObjectNotFound }
            $found
        }
        return
    }
    $Installed
}

# Mocks Get-Service, Start-Service and Restart-Service over $global:CsmInstalledServices; the verbs record
# the services they acted on in $global:CsmServiceActions. (A mock body sees its parameters as variables;
# its $PSBoundParameters is empty.)
function Use-AgentServices {
    Mock Get-Service { Find-MockService $global:CsmInstalledServices (Get-ServiceSelector $Name $DisplayName) }
    Mock Start-Service {
        foreach ($s in @(Find-MockService $global:CsmInstalledServices (Get-ServiceSelector $Name $DisplayName))) { $global:CsmServiceActions += "start $($s.Name)" }
    }
    Mock Restart-Service {
        foreach ($s in @(Find-MockService $global:CsmInstalledServices (Get-ServiceSelector $Name $DisplayName))) { $global:CsmServiceActions += "restart $($s.Name)" }
    }
}

function Get-ServiceSelector($Name, $DisplayName) {
    if ($null -ne $DisplayName) { return @{ DisplayName = $DisplayName } }
    if ($null -ne $Name) { return @{ Name = $Name } }
    return @{}
}

function Set-InstalledServices([object[]]$Services) {
    $global:CsmInstalledServices = @($Services | ForEach-Object {
            [pscustomobject]@{ Name = $_.Name; DisplayName = $_.DisplayName; Status = 'Running'; StartType = 'Automatic' }
        })
    $global:CsmServiceActions = @()
}
