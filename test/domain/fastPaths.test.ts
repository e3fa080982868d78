import { describe, expect, it } from 'vitest';
import { jobKey, templateOfJobId } from '../../src/domain/jobId.js';
import { TEMPLATE_FAMILIES, templateFamily, type TemplateFamily } from '../../src/domain/jobTemplates.js';
import { capFlat, capText } from '../../src/domain/text.js';
import { timeOf } from '../../src/rules/objectStatusState.js';

/*
 * The helpers that run for every provisioning event have fast paths (scripts/bench/observe.ts measures
 * them). Each must answer exactly as the plain version it replaced, written out here as the reference.
 */

const referenceCapText = (value: string, max = 200): string => {
  const points = Array.from(value);
  return points.length <= max ? value : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
};
const referenceCapFlat = (value: string | null | undefined, max = 400): string | null =>
  value == null ? null : referenceCapText(value.replace(/\s+/g, ' ').trim(), max);

const referenceFamily = (templateId: string | null | undefined): TemplateFamily => {
  const id = (templateId ?? '').toLowerCase();
  return (
    [...TEMPLATE_FAMILIES].sort((a, b) => b.length - a.length).find((f) => id.startsWith(f.toLowerCase())) ??
    'unknown'
  );
};
const referenceTemplate = (jobId: string | null | undefined): string | undefined => {
  if (!jobId) return undefined;
  const prefix = jobId.split('.')[0] ?? '';
  return referenceFamily(prefix) !== 'unknown' ? prefix : undefined;
};
const referenceJobKey = (jobId: string): string => {
  const parts = jobId.trim().toLowerCase().split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : (parts[0] ?? '');
};

/** Every string of up to `length` pieces from `pieces`, a deterministic sample beyond a few. */
function texts(pieces: readonly string[], length: number): string[] {
  const out = [''];
  let frontier = [''];
  for (let n = 1; n <= length; n++) {
    frontier = frontier.flatMap((s) => pieces.map((p) => s + p));
    out.push(...frontier);
  }
  return out;
}

describe('capText and capFlat answer as the plain versions', () => {
  // Pairs, lone halves (either one), plain and wide letters, and whitespace of every kind.
  const pieces = ['a', '😀', '\uD83D', '\uDE00', 'é', ' ', '\n', '\t', '\u00a0', '\ufeff', '\u2028'];

  it('over short texts of every mix, at every cap around their length', () => {
    for (const value of texts(pieces, 3)) {
      for (let max = -1; max <= 9; max++) {
        expect(capText(value, max), JSON.stringify([value, max])).toBe(referenceCapText(value, max));
        expect(capFlat(value, max), JSON.stringify([value, max])).toBe(referenceCapFlat(value, max));
      }
    }
  });

  it('over long texts: exactly at the cap, one over, pairs across the cut, folding runs', () => {
    const long = [
      'x'.repeat(300),
      'x'.repeat(301),
      `${'x'.repeat(299)}😀`,
      `${'x'.repeat(298)}😀y`,
      `${'😀'.repeat(150)}`,
      `${'😀'.repeat(151)}`,
      `${'a  b\n\n'.repeat(80)}`,
      `  ${'word '.repeat(70)}  `,
      `${'\uD83D'.repeat(301)}`,
      `one line with single spaces ${'z'.repeat(280)}`,
    ];
    for (const value of long) {
      for (const max of [120, 299, 300, 301, 400]) {
        expect(capText(value, max)).toBe(referenceCapText(value, max));
        expect(capFlat(value, max)).toBe(referenceCapFlat(value, max));
      }
    }
    expect(capFlat(null)).toBeNull();
    expect(capFlat(undefined)).toBeNull();
    expect(capText('x'.repeat(250))).toBe(referenceCapText('x'.repeat(250)));
  });
});

describe('job ids and template families answer as before, asked once or many times', () => {
  const ids = [
    'AD2AADProvisioning.6b7c8d9e0f1a4b2c9d3e4f5a6b7c8d9e.5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
    'ad2aadprovisioning.6B7C8D9E0F1A4B2C9D3E4F5A6B7C8D9E',
    'AAD2ADGroupProvisioning.abc',
    'aAd2Ad',
    'ENTRA2ADExchangeOnlineAttributeWriteback.x.y.z',
    'scim.123',
    '  AD2AADPasswordHash.ABC.def  ',
    'AD2AAD',
    '.AD2AAD',
    'AD2AADProvisioning..',
    '',
    'nodots',
  ];

  it('for odd casings, spaces, dots and unknown templates', () => {
    for (let round = 0; round < 3; round++) {
      for (const id of ids) {
        expect(templateOfJobId(id), id).toBe(referenceTemplate(id));
        expect(jobKey(id), id).toBe(referenceJobKey(id));
        expect(templateFamily(id), id).toBe(referenceFamily(id));
      }
    }
    expect(templateOfJobId(null)).toBeUndefined();
    expect(templateOfJobId(undefined)).toBeUndefined();
    expect(templateFamily(null)).toBe('unknown');
  });

  it('past the bound of what is remembered', () => {
    for (let i = 0; i < 2_500; i++) {
      const id = `${i % 2 ? 'AD2AADProvisioning' : 'Other'}.${i.toString(16)}.T${i}`;
      expect(templateOfJobId(id)).toBe(referenceTemplate(id));
      expect(jobKey(id)).toBe(referenceJobKey(id));
    }
    for (const id of ids) expect(jobKey(id)).toBe(referenceJobKey(id));
  });
});

describe('timeOf answers as Date.parse', () => {
  it('for the form the collector writes, across hours and days, and for every other form', () => {
    const values = [
      '2026-12-02T03:04:05.678Z',
      '2026-12-02T03:59:59.999Z',
      '2026-12-02T04:00:00.000Z',
      '2026-12-02T03:04:05.678Z',
      '2026-12-31T23:59:59.999Z',
      '2027-01-01T00:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
      '2027-02-29T12:00:00.000Z',
      '2026-12-02T24:00:00.000Z',
      '2026-12-02T24:04:05.678Z',
      '2026-12-02T03:60:05.678Z',
      '2026-12-02T03:04:60.678Z',
      '2026-12-02T03:04:05.67xZ',
      '2026-12-02T03:-4:05.678Z',
      '2026-12-02T3a:04:05.678Z',
      '2026-13-02T03:04:05.678Z',
      '2026-12-32T03:04:05.678Z',
      '2026-12-02 03:04:05.678Z',
      '2026-12-02T03:04:05.678+01:00',
      '2026-12-02T03:04:05Z',
      '2026-12-02T03:04:05.6789Z',
      '2026-12-02T03:04:05.678',
      '+002026-12-02T03:04:05.678Z',
      'Wed, 02 Dec 2026 03:04:05 GMT',
      '',
      'not a time',
      '2026-12-02T03:04:05.678Z',
    ];
    for (let round = 0; round < 2; round++) {
      for (const value of values) expect(timeOf(value), value).toBe(Date.parse(value));
    }
    for (let ms = Date.parse('2026-12-01T22:00:00.000Z'), n = 0; n < 5_000; n++, ms += 1_777) {
      const value = new Date(ms).toISOString();
      expect(timeOf(value)).toBe(ms);
    }
  });
});
