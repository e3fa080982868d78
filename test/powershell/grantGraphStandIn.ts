import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import { testCertificate } from '../support/tls.js';

/*
 * infra/scripts/grant-graph-permissions.ps1 (the Azure CLI path azd's hook takes) in real pwsh under Pester,
 * against a local stand-in of Microsoft Graph over HTTPS. The script reaches Graph only through `az`: a
 * stand-in `az` on PATH (a small Node program) answers `account show` and `cloud show` locally, as the real
 * one answers from its own files, and turns `ad sp show` and `az rest` into real HTTP requests to the Graph
 * stand-in, printing what the real CLI prints (JSON on stdout; `ERROR: Forbidden({...})` on stderr, exit 1).
 * `az cloud show` names the stand-in as the cloud's Graph endpoint, which is how the script finds Graph in a
 * sovereign cloud too. The signed-in account decides what Graph allows, as Entra roles would:
 *   admin             reads and grants
 *   reader            reads; a grant is 403 Authorization_RequestDenied
 *   nobody            every call is 403
 */

export const TENANT = '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GRAPH_SP_ID = 'a1b2c3d4-0000-4000-8000-00000000a1b2';
// Microsoft Graph's application permission ids (stable across tenants).
export const ROLES = {
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'Synchronization.Read.All': '5ba43d2f-fa88-4db2-bd1c-a67c5f0fb1ce',
  'AuditLog.Read.All': 'b0afded3-3588-46d8-8b3d-9842eff778da',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
} as const;

/** The managed identities the tenant has, by scenario (the Pester container gets the same ids). */
export const PRINCIPALS = {
  fresh: randomUUID(),
  partly: randomUUID(), // already holds AuditLog.Read.All
  denied: randomUUID(), // for the runs that must not (or cannot) grant
  // Not in the tenant (a typo, or not replicated yet). Fixed, with 403 among its digits: a random one
  // with them was once taken for an HTTP 403 (the script's denial check matched digits inside the id).
  missing: '5a1e0c9d-7b2f-403b-9c1e-0d4f8a6b2e71',
};

interface Assignment {
  id: string;
  principalId: string;
  resourceId: string;
  appRoleId: string;
}

interface GraphCall {
  account: string;
  method: string;
  path: string;
  status: number;
}

function graphError(status: number, code: string, message: string) {
  return { status, body: { error: { code, message, innerError: { 'request-id': randomUUID() } } } };
}

/** The few Graph calls the script makes, answered as Graph v1.0 answers them. */
export function graphStandIn() {
  const assignments: Assignment[] = [
    {
      id: randomUUID(),
      principalId: PRINCIPALS.partly,
      resourceId: GRAPH_SP_ID,
      appRoleId: ROLES['AuditLog.Read.All'],
    },
  ];
  const known = new Set<string>([PRINCIPALS.fresh, PRINCIPALS.partly, PRINCIPALS.denied]);
  const calls: GraphCall[] = [];
  const graphSp = {
    id: GRAPH_SP_ID,
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    appRoles: [
      ...Object.entries(ROLES).map(([value, id]) => ({
        id,
        value,
        allowedMemberTypes: ['Application'],
        isEnabled: true,
        displayName: value,
      })),
      // A delegated-only permission of the same name pattern must not be taken for an app role.
      {
        id: randomUUID(),
        value: 'Sites.Selected',
        allowedMemberTypes: ['User'],
        isEnabled: true,
        displayName: 'x',
      },
    ],
  };
  const notFound = (id: string) =>
    graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );

  function answer(
    account: string,
    method: string,
    url: URL,
    body: string,
  ): { status: number; body?: unknown } {
    if (account === 'nobody') {
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    if (method === 'GET' && url.pathname === `/v1.0/servicePrincipals(appId='${GRAPH_APP_ID}')`) {
      return { status: 200, body: graphSp };
    }
    const match = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/.exec(url.pathname);
    if (!match) return graphError(400, 'BadRequest', `stand-in: unexpected ${method} ${url.pathname}`);
    const principal = decodeURIComponent(match[1]!);
    if (!known.has(principal)) return notFound(principal);
    if (method === 'GET') {
      return { status: 200, body: { value: assignments.filter((a) => a.principalId === principal) } };
    }
    if (method !== 'POST') return graphError(405, 'BadRequest', 'method not allowed');
    if (account !== 'admin') {
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    const request = JSON.parse(body) as Partial<Assignment>;
    const role = graphSp.appRoles.find((r) => r.id === request.appRoleId);
    if (request.principalId !== principal || request.resourceId !== GRAPH_SP_ID || !role) {
      return graphError(
        400,
        'Request_BadRequest',
        'Invalid value specified for property of resource appRoleAssignment.',
      );
    }
    if (assignments.some((a) => a.principalId === principal && a.appRoleId === role.id)) {
      return graphError(400, 'Request_BadRequest', 'Permission being assigned already exists on the object');
    }
    const created = { id: randomUUID(), principalId: principal, resourceId: GRAPH_SP_ID, appRoleId: role.id };
    assignments.push(created);
    return { status: 201, body: created };
  }

  const { cert, key } = testCertificate();
  const server = createServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'https://127.0.0.1');
      const auth = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const method = request.method ?? 'GET';
      const result = auth
        ? answer(auth, method, url, Buffer.concat(chunks).toString('utf8'))
        : graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      calls.push({ account: auth ?? '', method, path: url.pathname, status: result.status });
      response.writeHead(result.status, { 'content-type': 'application/json' });
      response.end(result.body === undefined ? '' : JSON.stringify(result.body));
    });
  });
  return { server, calls, assignments };
}

/**
 * The stand-in `az`. Signed-in state comes from FAKE_AZ_TENANT (empty: not logged in) and FAKE_AZ_ACCOUNT
 * (sent to the Graph stand-in as the bearer token); every call is appended to FAKE_AZ_LOG.
 */
export const fakeAz = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AZ_LOG, args.join(' ') + '\\n');
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const fail = (message) => { process.stderr.write('ERROR: ' + message + '\\n'); process.exit(1); };
const tenant = process.env.FAKE_AZ_TENANT;
const graph = process.env.FAKE_AZ_GRAPH;
const reasons = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };
async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: 'Bearer ' + process.env.FAKE_AZ_ACCOUNT, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (!response.ok) fail((reasons[response.status] || response.status) + '(' + text + ')');
  return text;
}
(async () => {
  const command = args.slice(0, 2).join(' ');
  if (command !== 'cloud show' && !tenant) fail("Please run 'az login' to setup account.");
  if (command === 'account show') { process.stdout.write(tenant + '\\n'); return; }
  if (command === 'cloud show') { process.stdout.write(graph + '/\\n'); return; }
  if (command === 'ad sp') {
    const text = await call('GET', graph + "/v1.0/servicePrincipals(appId='" + flag('--id') + "')");
    process.stdout.write(JSON.stringify(JSON.parse(text), null, 2) + '\\n');
    return;
  }
  if (args[0] === 'rest') {
    let body = flag('--body');
    if (body && body.startsWith('@')) body = fs.readFileSync(body.slice(1), 'utf8');
    const text = await call(flag('--method').toUpperCase(), flag('--url'), body);
    if (flag('--output') !== 'none' && text) process.stdout.write(JSON.stringify(JSON.parse(text), null, 2) + '\\n');
    return;
  }
  fail('stand-in az: unexpected command: ' + args.join(' '));
})().catch((error) => fail(String(error)));
`;
