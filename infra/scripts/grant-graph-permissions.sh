#!/bin/sh
# Grants the function app's managed identity the Microsoft Graph application permissions Cloud Sync Monitor
# reads with: Synchronization.Read.All, AuditLog.Read.All, Directory.Read.All (all read-only).
#
# Idempotent: permissions already granted are skipped. Granting needs a Privileged Role Administrator (or
# Global Administrator) signed in to the Azure CLI (az login). azd runs this as the postprovision hook with
# AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID set; by hand:
#   sh infra/scripts/grant-graph-permissions.sh [<principal object id>]
# When it cannot grant, it says why and how, and exits 1 (azd continues: continueOnError in azure.yaml, and
# the postdeploy summary reports the missing permissions again). It refuses to work in another tenant than
# the deployment's (AZURE_TENANT_ID).

set -u

PRINCIPAL_ID="${1:-${AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID:-}}"
GRAPH_APP_ID='00000003-0000-0000-c000-000000000000' # Microsoft Graph
PERMISSIONS='Synchronization.Read.All AuditLog.Read.All Directory.Read.All'

say() { printf '%s\n' "$*"; }

manual_steps() {
  say ''
  say 'To grant them later, ask a Privileged Role Administrator to run one of:'
  say "  sh infra/scripts/grant-graph-permissions.sh ${PRINCIPAL_ID:-<principal object id>}"
  say "  pwsh infra/scripts/grant-graph-permissions.ps1 -PrincipalId ${PRINCIPAL_ID:-<principal object id>} -UseGraphPowerShell"
  say 'or grant Synchronization.Read.All, AuditLog.Read.All and Directory.Read.All (Microsoft Graph, application)'
  say 'to the managed identity in the Entra admin center. Until then every collect run reports a permission error.'
}

say 'Cloud Sync Monitor: granting Microsoft Graph application permissions to the managed identity'

if [ -z "$PRINCIPAL_ID" ]; then
  say 'WARNING: no principal id (AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID is not set; run azd provision first).'
  manual_steps
  exit 1
fi

if ! command -v az >/dev/null 2>&1; then
  say 'WARNING: the Azure CLI (az) is not installed, so the permissions were not granted.'
  manual_steps
  exit 1
fi

if ! az account show --output none >/dev/null 2>&1; then
  say 'WARNING: the Azure CLI is not signed in (az login), so the permissions were not granted.'
  manual_steps
  exit 1
fi

# The grant must land in the deployment's tenant: the managed identity exists only there.
SIGNED_IN_TENANT="$(az account show --query tenantId --output tsv 2>/dev/null)"
if [ -n "${AZURE_TENANT_ID:-}" ] && [ "$SIGNED_IN_TENANT" != "$AZURE_TENANT_ID" ]; then
  say "ERROR: the Azure CLI is signed in to tenant ${SIGNED_IN_TENANT:-<unknown>}, but the deployment is in tenant $AZURE_TENANT_ID."
  say "Sign in to the right tenant and run this again: az login --tenant $AZURE_TENANT_ID"
  manual_steps
  exit 1
fi

# Microsoft Graph's root in the signed-in cloud (graph.microsoft.us, microsoftgraph.chinacloudapi.cn, ...).
GRAPH_URL="$(az cloud show --query endpoints.microsoftGraphResourceId --output tsv 2>/dev/null | sed 's:/*$::')"
[ -n "$GRAPH_URL" ] || GRAPH_URL='https://graph.microsoft.com'

GRAPH_SP_ID="$(az ad sp show --id "$GRAPH_APP_ID" --query id --output tsv 2>/dev/null)"
ROLES="$(az ad sp show --id "$GRAPH_APP_ID" \
  --query "appRoles[?contains(allowedMemberTypes, 'Application')].[value, id]" --output tsv 2>/dev/null)"
if [ -z "$GRAPH_SP_ID" ] || [ -z "$ROLES" ]; then
  say 'WARNING: could not read the Microsoft Graph service principal with the signed-in account.'
  manual_steps
  exit 1
fi

# App roles the identity already holds on Microsoft Graph (empty if they cannot be read: then the POST
# below tells an existing assignment apart by its error).
ASSIGNED="$(az rest --method get \
  --url "$GRAPH_URL/v1.0/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" \
  --query "value[?resourceId=='$GRAPH_SP_ID'].appRoleId" --output tsv 2>/dev/null)"

ERRORS="$(mktemp)"
trap 'rm -f "$ERRORS"' EXIT
missing=''

for permission in $PERMISSIONS; do
  role_id="$(printf '%s\n' "$ROLES" | awk -v p="$permission" '$1 == p { print $2 }')"
  if [ -z "$role_id" ]; then
    say "  $permission: not found among Microsoft Graph's application permissions"
    missing="$missing $permission"
    continue
  fi
  if printf '%s\n' "$ASSIGNED" | grep -qix "$role_id"; then
    say "  $permission: already granted"
    continue
  fi
  body="{\"principalId\":\"$PRINCIPAL_ID\",\"resourceId\":\"$GRAPH_SP_ID\",\"appRoleId\":\"$role_id\"}"
  # A managed identity created moments ago may not have replicated to Microsoft Graph yet: retry a while.
  attempt=1
  while :; do
    if az rest --method post --url "$GRAPH_URL/v1.0/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" \
      --headers 'Content-Type=application/json' --body "$body" --output none 2>"$ERRORS"; then
      say "  $permission: granted"
      break
    fi
    if grep -qi 'already exists' "$ERRORS"; then
      say "  $permission: already granted"
      break
    fi
    if grep -qiE 'does not exist|ResourceNotFound' "$ERRORS" && [ "$attempt" -lt 6 ]; then
      attempt=$((attempt + 1))
      sleep 15
      continue
    fi
    if grep -qiE 'Authorization_RequestDenied|Insufficient privileges|Forbidden|(^|[^0-9a-z-])403([^0-9a-z-]|$)' "$ERRORS"; then
      say "  $permission: NOT granted: the signed-in account is not allowed to grant application permissions"
    else
      say "  $permission: NOT granted: $(head -c 300 "$ERRORS" | tr '\n' ' ')"
    fi
    missing="$missing $permission"
    break
  done
done

if [ -n "$missing" ]; then
  say ''
  say "WARNING: not granted:$missing"
  manual_steps
  exit 1
fi
say 'All Microsoft Graph permissions are in place.'
exit 0
