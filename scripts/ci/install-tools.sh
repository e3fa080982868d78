#!/usr/bin/env bash
# Installs the tools the infra tests use into one folder (default .tools/ in the repository, git-ignored):
#   bicep       NuGet Azure.Bicep.CommandLine.linux-x64 (the compiler binary ships inside the package)
#   pwsh        the .NET global tool PowerShell, installed with --tool-path
#   Pester      NuGet Pester (a PowerShell module), unpacked into a PSModulePath folder
#   ShellCheck  from Debian (when root)
# NuGet packages come from a throwaway restore in a temporary folder: the repository holds no C#.
# Prints the lines to eval for PATH and PSModulePath. Idempotent: present tools are kept.
set -euo pipefail

BICEP_VERSION=0.49.2
PWSH_VERSION=7.6.9
PESTER_VERSION=6.2.0

root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="${TOOLS_DIR:-$root/.tools}"
mkdir -p "$tools/bin" "$tools/modules"
log() { printf 'install-tools: %s\n' "$*" >&2; }

# One restore downloads both NuGet packages (PackageDownload: no framework compatibility needed).
need_restore=0
[ -x "$tools/bin/bicep" ] && "$tools/bin/bicep" --version 2>/dev/null | grep -q "$BICEP_VERSION" || need_restore=1
[ -f "$tools/modules/Pester/$PESTER_VERSION/Pester.psd1" ] || [ -f "$tools/modules/Pester/Pester.psd1" ] || need_restore=1
if [ "$need_restore" = 1 ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  cat >"$scratch/tools.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$BICEP_VERSION]" />
    <PackageDownload Include="Pester" Version="[$PESTER_VERSION]" />
  </ItemGroup>
</Project>
XML
  log "restoring Bicep $BICEP_VERSION and Pester $PESTER_VERSION from NuGet"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore "$scratch/tools.csproj" \
    --packages "$scratch/packages" --verbosity quiet >&2
  bicep_bin="$(find "$scratch/packages/azure.bicep.commandline.linux-x64/$BICEP_VERSION" -type f -name bicep | head -n 1)"
  [ -n "$bicep_bin" ] || { log "no bicep binary in the package"; exit 1; }
  install -m 0755 "$bicep_bin" "$tools/bin/bicep"
  pester_psd1="$(find "$scratch/packages/pester/$PESTER_VERSION" -type f -name Pester.psd1 | head -n 1)"
  [ -n "$pester_psd1" ] || { log "no Pester.psd1 in the package"; exit 1; }
  rm -rf "$tools/modules/Pester"
  mkdir -p "$tools/modules/Pester/$PESTER_VERSION"
  cp -R "$(dirname "$pester_psd1")/." "$tools/modules/Pester/$PESTER_VERSION/"
fi

# shellcheck disable=SC2016 # a PowerShell expression, expanded by pwsh, not by sh
if ! [ -x "$tools/pwsh/pwsh" ] || ! "$tools/pwsh/pwsh" -NoLogo -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$PWSH_VERSION"; then
  log "installing PowerShell $PWSH_VERSION (dotnet tool)"
  rm -rf "$tools/pwsh"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet tool install PowerShell --version "$PWSH_VERSION" \
    --tool-path "$tools/pwsh" >&2
fi
ln -sf "$tools/pwsh/pwsh" "$tools/bin/pwsh"

if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    log "installing shellcheck (Debian)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  else
    log "shellcheck missing and not root: install it with your package manager"
  fi
fi

# shellcheck disable=SC2016 # $PATH is for the shell that evals these lines
printf 'export PATH=%q:"$PATH"\n' "$tools/bin"
printf 'export PSModulePath=%q\n' "$tools/modules${PSModulePath:+:$PSModulePath}"
