import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alertModel.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { TENANT, at, failure, observations } from '../rules/fixtures.js';
import { evaluate, objectState } from '../rules/run.js';

const MIN = 60_000;

describe('sync-errors with more than 25 error codes', () => {
  it('"and N more groups" counts every error code the alert has', () => {
    // 30 objects, each failing with its own error code.
    const records = Array.from({ length: 30 }, (_, i) =>
      failure(`o${i}`, `Object ${i}`, `ErrorCode${String(i).padStart(2, '0')}`, -(i + 1) * MIN),
    );
    const { candidates } = evaluate('sync-errors', observations({ objectState: objectState(records) }));
    const c = candidates[0]!;
    const alert: Alert = {
      ...c,
      id: 'a1b2c3d4e5f60718',
      state: 'open',
      openedAt: at(0).toISOString(),
      lastChangedAt: at(0).toISOString(),
      lastNotifiedAt: at(0).toISOString(),
    };
    const message = renderAlertMessage({
      tenantId: TENANT,
      generatedAt: at(0),
      transitions: [{ transition: 'new', at: at(0).toISOString(), alert }],
    });
    const text = message.email.plainText;
    expect(text).toContain('Sync errors: 30 objects failing in contoso.com');
    // The email details 10 error-code groups; 20 codes (20 objects) are left.
    expect(text).toContain('... and 20 more groups (20 more items)');
    expect(message.email.html).toContain('and 20 more groups (20 more items)');
    expect(JSON.stringify(message.teams.card)).toContain('and 27 more groups (27 more items)');
  });
});
