#!/bin/sh
# azd postdeploy hook, last step: an honest summary of what is configured and what is missing (Graph
# permissions, email recipients, Teams, acknowledge links, the watcher alert's receivers), with the command
# that fixes each gap. Always exits 0: it reports, it does not decide.

set -u

say() { printf '%s\n' "$*"; }
# The azd environment's current value (the webhook step may have changed it after this hook started).
value() {
  v="$(azd env get-value "$1" 2>/dev/null)" || v=''
  [ -n "$v" ] || v="$(printenv "$1" 2>/dev/null || true)"
  printf '%s' "$v"
}

GRAPH_APP_ID='00000003-0000-0000-c000-000000000000'
PERMISSIONS='Synchronization.Read.All AuditLog.Read.All Directory.Read.All'
gaps=0

say ''
say '=== Cloud Sync Monitor: deployment summary ==='

# Microsoft Graph application permissions of the managed identity.
principal="$(value AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID)"
graph_status='unknown (the Azure CLI is not signed in: cannot check)'
if [ -n "$principal" ] && command -v az >/dev/null 2>&1 && az account show --output none >/dev/null 2>&1; then
  graph_url="$(az cloud show --query endpoints.microsoftGraphResourceId --output tsv 2>/dev/null | sed 's:/*$::')"
  [ -n "$graph_url" ] || graph_url='https://graph.microsoft.com'
  roles="$(az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[].[value, id]" --output tsv 2>/dev/null)"
  assigned="$(az rest --method get --url "$graph_url/v1.0/servicePrincipals/$principal/appRoleAssignments" \
    --query 'value[].appRoleId' --output tsv 2>/dev/null)"
  missing=''
  for permission in $PERMISSIONS; do
    id="$(printf '%s\n' "$roles" | awk -v p="$permission" '$1 == p { print $2 }')"
    if [ -z "$id" ] || ! printf '%s\n' "$assigned" | grep -qix "$id"; then missing="$missing $permission"; fi
  done
  if [ -z "$missing" ]; then graph_status='granted'; else graph_status="MISSING:$missing"; fi
fi
case "$graph_status" in
  granted) say "  Graph permissions   granted ($PERMISSIONS)" ;;
  *)
    gaps=$((gaps + 1))
    say "  Graph permissions   $graph_status"
    say "                      fix: a Privileged Role Administrator runs sh infra/scripts/grant-graph-permissions.sh ${principal:-<principal id>}"
    ;;
esac

to="$(value ALERT_EMAIL_TO)"
if [ -n "$to" ]; then
  say "  Email               on, to $to (Azure-managed domain: at most 5 mails/min, 10/h)"
else
  gaps=$((gaps + 1))
  say '  Email               OFF: no recipients (/health and every run row warn EmailNoRecipients)'
  say '                      fix: azd env set ALERT_EMAIL_TO ops@example.com && azd provision'
fi

if [ -n "$(value TEAMS_WEBHOOK_URL)" ]; then
  say '  Teams               on (Workflows webhook)'
else
  say '  Teams               off (optional): azd env set TEAMS_WEBHOOK_URL <Workflows URL> && azd provision'
fi

health="$(value CLOUDSYNC_HEALTH_URL)"
ack="${health%/health}/ack"
if [ -n "$health" ]; then say "  Acknowledge links   on: $ack (signed, expiring)"; else say '  Acknowledge links   unknown (no outputs yet)'; fi

watcher_to="$(value WATCHER_EMAIL_TO)"
[ -n "$watcher_to" ] || watcher_to="$to"
webhook='no'
[ -n "$(value ALERT_WEBHOOK_KEY)" ] && webhook='yes'
stale="$(value CLOUDSYNC_WATCHER_STALE_MINUTES)"
if [ -z "$watcher_to" ] && [ "$webhook" = 'no' ]; then
  gaps=$((gaps + 1))
  say "  Watcher alert       NO receivers: 'no successful run for ${stale:-20} minutes' notifies nobody"
  say '                      fix: azd env set WATCHER_EMAIL_TO oncall@example.com && azd provision'
else
  say "  Watcher alert       after ${stale:-20} min without a successful run: email ${watcher_to:-none}, webhook $webhook"
fi

say "  Heartbeat URL       $(value CLOUDSYNC_HEARTBEAT_URL) (agent-heartbeat/README.md)"
say "  Workbook            $(value CLOUDSYNC_WORKBOOK_URL)"
say "  Health              $health (function key)"
if [ "$gaps" -eq 0 ]; then say 'Everything is configured.'; else say "$gaps item(s) above need attention."; fi
exit 0
