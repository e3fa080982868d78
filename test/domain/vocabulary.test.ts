import { describe, expect, it } from 'vitest';
import { kindDetailsSchema } from '../../src/domain/alertDetails.js';
import {
  formatDuration,
  formatIsoDuration,
  formatMinutes,
  isoDurationMs,
} from '../../src/domain/duration.js';
import { asErrorCategory, errorCategory, errorCategoryLabel } from '../../src/domain/errorCategory.js';
import { jobIdsMatch, jobKey, templateOfJobId } from '../../src/domain/jobId.js';
import {
  isCloudSyncTemplate,
  jobName,
  jobPurpose,
  jobTitle,
  syncDirection,
  templateFamily,
  templateRank,
} from '../../src/domain/jobTemplates.js';
import { NO_AGENT_CODES, isNoAgentCode, noAgentCode } from '../../src/domain/noAgentCodes.js';
import { capFlat, oneLine, plural } from '../../src/domain/text.js';
import { staleAfterMs } from '../../src/health/staleness.js';

describe('Cloud Sync job identity', () => {
  it('knows every template family, device sync and Entra to AD included, and keeps unknown ones', () => {
    expect(templateFamily('AD2AADDeviceSync')).toBe('AD2AAD');
    expect(templateFamily('aad2adGroupProvisioning')).toBe('AAD2AD');
    expect(templateFamily('Entra2ADExchangeOnlineAttributeWriteback')).toBe('Entra2AD');
    expect(templateFamily('Entra2ADSomethingNew')).toBe('Entra2AD');
    expect(templateFamily('scim')).toBe('unknown');
    expect(syncDirection('AD2AADDeviceSync')).toBe('AD to Entra ID');
    expect(syncDirection('Entra2ADSomethingNew')).toBe('Entra ID to AD');
    expect(syncDirection('scim')).toBeUndefined();
  });

  it('names a job one way, phrased for summaries, facts and the digest', () => {
    expect(jobName('contoso.com', 'AD2AADProvisioning')).toBe('contoso.com provisioning');
    expect(jobName('contoso.com', 'AD2AADPasswordHash')).toBe('contoso.com password hash sync');
    expect(jobName(null, undefined)).toBe('Cloud Sync sync job');
    expect(jobTitle('AD2AADProvisioning')).toBe('Provisioning (AD to Entra ID)');
    expect(jobTitle('AAD2ADGroupProvisioning')).toBe('Group provisioning (Entra ID to AD)');
    expect(jobTitle('AD2AADDeviceSync')).toBe('Device sync (AD to Entra ID)');
    expect(jobPurpose('AD2AADProvisioning')).toBe('AD to Entra ID provisioning');
    // A template not in the table is shown as Graph names it, with its family's direction; never dropped.
    expect(jobTitle('Entra2ADSomethingNew')).toBe('Entra2ADSomethingNew (Entra ID to AD)');
    expect(jobPurpose('AAD2ADSomethingNew')).toBe('Entra ID to AD AAD2ADSomethingNew');
    expect(jobTitle('Foo2BarSync')).toBe('Foo2BarSync');
    expect(templateRank('AD2AADProvisioning')).toBeLessThan(templateRank('AD2AADPasswordHash'));
    expect(templateRank('Entra2ADSomethingNew')).toBeGreaterThan(templateRank('AAD2ADGroupProvisioning'));
  });

  it('recognises Cloud Sync templates by family, device sync and the 2026 templates included', () => {
    for (const t of [
      'AD2AADProvisioning',
      'AD2AADPasswordHash',
      'AD2AADDeviceSync',
      'AAD2ADGroupProvisioning',
      'AAD2ADExchangeHybridWriteback',
      'AAD2ADProvisioning',
      'Entra2ADExchangeOnlineAttributeWriteback',
      'Entra2ADSomethingNew',
    ])
      expect(isCloudSyncTemplate(t), t).toBe(true);
    expect(isCloudSyncTemplate('scim')).toBe(false);
    expect(templateOfJobId('AD2AADProvisioning.abc.def')).toBe('AD2AADProvisioning');
    expect(templateOfJobId('AD2AADDeviceSync.abc')).toBe('AD2AADDeviceSync');
    expect(templateOfJobId('scim.abc')).toBeUndefined();
  });

  it('matches job ids by prefix and keys them by template and service principal', () => {
    expect(jobIdsMatch('AD2AADProvisioning.abc', 'ad2aadprovisioning.ABC.tenant')).toBe(true);
    expect(jobIdsMatch('AD2AADProvisioning.abc', 'AD2AADProvisioning.abcd')).toBe(false);
    expect(jobKey('AD2AADProvisioning.ABC.tenant')).toBe('ad2aadprovisioning.abc');
  });

  it('has one list of no-agent codes, matched in any case', () => {
    expect(NO_AGENT_CODES).toHaveLength(3);
    expect(noAgentCode('hybrididentityservicenoactiveagents')).toBe('HybridIdentityServiceNoActiveAgents');
    expect(isNoAgentCode('HybridIdentityServiceAgentSignalingError')).toBe(true);
    expect(isNoAgentCode('AzureDirectoryServiceServerBusy')).toBe(false);
    expect(isNoAgentCode(null)).toBe(false);
  });
});

describe('error categories', () => {
  it('classifies codes, reads stored values and names them as Connect Health did', () => {
    expect(errorCategory('AzureDirectoryServiceAttributeValueMustBeUnique')).toBe('DuplicateAttribute');
    expect(errorCategory(null)).toBeNull();
    expect(asErrorCategory('LargeAttribute')).toBe('LargeAttribute');
    expect(asErrorCategory('SomethingElse')).toBe('Other');
    expect(errorCategoryLabel('DuplicateAttribute')).toBe('Duplicate attribute');
  });
});

describe('text and durations', () => {
  it('flattens where asked and keeps subjects on one line', () => {
    expect(capFlat(' a \n b ')).toBe('a b');
    expect(capFlat(null)).toBeNull();
    expect(oneLine('a\r\nSubject: x', 40)).toBe('a Subject: x');
    expect(plural(1204, 'object')).toBe('1,204 objects');
  });

  it('reads ISO 8601 durations once and says them two ways', () => {
    expect(isoDurationMs('PT2M')).toBe(120_000);
    expect(isoDurationMs('P1W')).toBe(7 * 24 * 3600_000);
    expect(isoDurationMs('PT')).toBeUndefined();
    expect(formatIsoDuration('PT30S')).toBe('30 s');
    expect(formatDuration(50 * 3600_000)).toBe('2 d 2 h');
    expect(formatMinutes(31)).toBe('31 minutes');
    expect(formatMinutes(120)).toBe('2 h');
    expect(formatMinutes(121)).toBe('2 h 1 min');
  });
});

describe('alert details', () => {
  it('is one discriminated union: the kind picks the schema', () => {
    const stalled = {
      job: {
        servicePrincipalId: null,
        configurationName: null,
        jobId: 'j',
        templateId: null,
        troubleshootingUrl: null,
      },
      mode: 'paused',
      statusCode: 'Paused',
      scheduleState: null,
      scheduleInterval: null,
      lastSuccessfulExecutionEnded: null,
      lastExecutionEnded: null,
      lastExecutionState: null,
      lastErrorCode: null,
      minutes: 1500,
      thresholdMinutes: 1440,
    };
    expect(kindDetailsSchema.safeParse({ kind: 'sync-stalled', details: stalled }).success).toBe(true);
    expect(kindDetailsSchema.safeParse({ kind: 'job-failing', details: stalled }).success).toBe(false);
  });
});

describe('staleness of the monitor itself', () => {
  it('is four collect intervals, at least 20 minutes and at most two days', () => {
    expect(staleAfterMs('0 */5 * * * *')).toBe(20 * 60_000);
    expect(staleAfterMs('0 */15 * * * *')).toBe(60 * 60_000);
    expect(staleAfterMs('0 * * * * *')).toBe(20 * 60_000);
    expect(staleAfterMs('0 0 * * * *')).toBe(4 * 3600_000);
    expect(staleAfterMs('0 0 7 * * *')).toBe(48 * 3600_000);
    // Not NCRONTAB (config rejects it at start-up): the 5-minute default.
    expect(staleAfterMs('every five minutes')).toBe(20 * 60_000);
  });
});
