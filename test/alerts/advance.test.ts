import { describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { at } from '../rules/fixtures.js';
import { candidate, jobSubject, otherJob, replay, type Step } from './lifecycle.js';

const errors = (overrides = {}) => candidate('sync-errors', overrides);
const stalled = (overrides = {}) => candidate('sync-stalled', overrides);
const quarantine = (overrides = {}) => candidate('job-quarantined', { severity: 'critical', ...overrides });
const noAgent = (overrides = {}) =>
  candidate('agent-offline', {
    severity: 'critical',
    subject: { tenantId: jobSubject.tenantId, servicePrincipalId: jobSubject.servicePrincipalId },
    ...overrides,
  });
const notChecked = { isChecked: () => false };
const H = 60;

describe('lifecycle engine', () => {
  it.each<{ title: string; steps: Step[]; expected: string[][]; settings?: Parameters<typeof replay>[1] }>([
    {
      title: 'new once, then nothing while the same, then resolved exactly once',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors()] },
        { minute: 10 },
        { minute: 15 },
      ],
      expected: [['new sync-errors warning'], [], ['resolved sync-errors warning'], []],
    },
    {
      title: 'repeat only after the repeat interval since the last notification',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 4 * H - 5, candidates: [errors()] },
        { minute: 4 * H, candidates: [errors()] },
        { minute: 4 * H + 5, candidates: [errors()] },
        { minute: 8 * H, candidates: [errors()] },
      ],
      expected: [
        ['new sync-errors warning'],
        [],
        ['repeat sync-errors warning'],
        [],
        ['repeat sync-errors warning'],
      ],
    },
    {
      title: 'severity up is escalated; severity down is updated',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors({ severity: 'critical' })] },
        { minute: 10, candidates: [errors({ severity: 'warning' })] },
      ],
      expected: [
        ['new sync-errors warning'],
        ['escalated sync-errors critical'],
        ['updated sync-errors warning'],
      ],
    },
    {
      title: 'a changed material key is updated; other changes (summary, details) are not',
      steps: [
        { minute: 0, candidates: [quarantine({ materialKey: 'reason A' })] },
        {
          minute: 5,
          candidates: [quarantine({ materialKey: 'reason A', summary: 'other words', details: { n: 2 } })],
        },
        { minute: 10, candidates: [quarantine({ materialKey: 'reason B' })] },
      ],
      expected: [['new job-quarantined critical'], [], ['updated job-quarantined critical']],
    },
    {
      title: 'a new material item is updated; an item going away is not',
      steps: [
        { minute: 0, candidates: [errors({ materialItems: ['a', 'b'] })] },
        { minute: 5, candidates: [errors({ materialItems: ['a'] })] },
        { minute: 10, candidates: [errors({ materialItems: ['a', 'c'] })] },
        { minute: 15, candidates: [errors({ materialItems: ['a', 'c', 'b'] })] },
      ],
      expected: [
        ['new sync-errors warning'],
        [],
        ['updated sync-errors warning'],
        ['updated sync-errors warning'],
      ],
    },
    {
      title: 'a failed poll never resolves (could not check is not clear)',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, coverage: notChecked },
        { minute: 10, coverage: notChecked },
        { minute: 15 },
      ],
      expected: [['new sync-errors warning'], [], [], ['resolved sync-errors warning']],
    },
    {
      title: 'flapping: back within the flap window is new again',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5 },
        { minute: 10, candidates: [errors()] },
        { minute: 15 },
      ],
      expected: [
        ['new sync-errors warning'],
        ['resolved sync-errors warning'],
        ['new sync-errors warning'],
        ['resolved sync-errors warning'],
      ],
    },
    {
      title: 'resolved notifications switched off: still recorded, not notified',
      settings: { sendResolved: false },
      steps: [{ minute: 0, candidates: [errors()] }, { minute: 5 }],
      expected: [['new sync-errors warning'], ['resolved sync-errors warning quiet']],
    },
    {
      title:
        'acknowledged until resolve: no repeat, updated recorded quietly, escalation and resolution still notify',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors()], ack: { candidate: errors() } },
        { minute: 4 * H + 5, candidates: [errors()] },
        { minute: 4 * H + 10, candidates: [errors({ materialItems: ['new object'] })] },
        { minute: 4 * H + 15, candidates: [errors({ materialItems: ['new object'], severity: 'critical' })] },
        { minute: 4 * H + 20 },
      ],
      expected: [
        ['new sync-errors warning'],
        [],
        [],
        ['updated sync-errors warning quiet'],
        ['escalated sync-errors critical'],
        ['resolved sync-errors critical'],
      ],
    },
    {
      title: 'silence for a time: quiet until it ends, then a repeat when one is due',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors()], ack: { candidate: errors(), forMinutes: 8 * H } },
        { minute: 4 * H + 5, candidates: [errors()] },
        { minute: 8 * H + 4, candidates: [errors()] },
        { minute: 8 * H + 5, candidates: [errors()] },
        { minute: 8 * H + 10, candidates: [errors()] },
      ],
      expected: [['new sync-errors warning'], [], [], [], ['repeat sync-errors warning'], []],
    },
    {
      title: 'an acknowledgement ends with the resolution: back again is new and notifies',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors()], ack: { candidate: errors() } },
        { minute: 10 },
        { minute: 15, candidates: [errors()] },
        { minute: 4 * H + 15, candidates: [errors()] },
      ],
      expected: [
        ['new sync-errors warning'],
        [],
        ['resolved sync-errors warning'],
        ['new sync-errors warning'],
        ['repeat sync-errors warning'],
      ],
    },
    {
      title: 'inhibition: a quarantined job mutes its sync-errors and sync-stalled (not opened)',
      steps: [
        { minute: 0, candidates: [quarantine(), errors(), stalled()] },
        { minute: 5, candidates: [errors(), stalled()] },
      ],
      expected: [
        ['new job-quarantined critical'],
        ['new sync-errors warning', 'new sync-stalled warning', 'resolved job-quarantined critical'],
      ],
    },
    {
      title:
        'inhibition: an open alert stays open and silent while muted (no repeat, no resolve), then resumes',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors(), quarantine()] },
        { minute: 4 * H + 5, candidates: [errors({ severity: 'critical' }), quarantine()] },
        { minute: 4 * H + 10, candidates: [quarantine()] },
        { minute: 4 * H + 15, candidates: [errors({ severity: 'critical' })] },
      ],
      expected: [
        ['new sync-errors warning'],
        ['new job-quarantined critical'],
        ['repeat job-quarantined critical'],
        [],
        ['escalated sync-errors critical', 'resolved job-quarantined critical'],
      ],
    },
    {
      title: 'inhibition: "no active agent" for a configuration mutes its jobs, not other configurations',
      steps: [
        {
          minute: 0,
          candidates: [noAgent(), candidate('job-failing'), candidate('job-failing', { subject: otherJob })],
        },
      ],
      expected: [['new agent-offline critical', 'new job-failing warning']],
    },
    {
      title: 'inhibition holds while the muting alert could not be checked',
      steps: [
        { minute: 0, candidates: [quarantine()] },
        {
          minute: 5,
          candidates: [stalled()],
          coverage: { isChecked: ({ kind }) => kind !== 'job-quarantined' },
        },
      ],
      expected: [['new job-quarantined critical'], []],
    },
  ])('$title', ({ steps, expected, settings }) => {
    expect(replay(steps, settings).perStep).toEqual(expected);
  });

  it('keeps resolved alerts only for the flap window', () => {
    const { book } = replay([{ minute: 0, candidates: [errors()] }, { minute: 5 }, { minute: 5 + 60 }]);
    expect(book.alerts.map((a) => a.state)).toEqual(['resolved']);
    expect(
      replay([{ minute: 0, candidates: [errors()] }, { minute: 5 }, { minute: 5 + 61 }]).book.alerts,
    ).toEqual([]);
  });

  it('counts reopenings, and describes what changed', () => {
    const steps: Step[] = [
      { minute: 0, candidates: [errors({ materialItems: ['error code X'] })] },
      { minute: 5 },
      { minute: 10, candidates: [errors({ materialItems: ['error code X'] })] },
    ];
    const { book } = replay(steps);
    expect(book.alerts[0]?.reopenCount).toBe(1);
    const later = replay([steps[0]!, steps[1]!, { ...steps[2]!, minute: 5 + 61 }]);
    expect(later.perStep[2]).toEqual(['new sync-errors warning']);
    expect(later.book.alerts[0]?.reopenCount).toBeUndefined();

    const first = advance(
      emptyAlertBook(),
      [quarantine({ materialKey: 'quarantine reason A' })],
      { isChecked: () => true },
      at(0),
      defaultAlertSettings,
    );
    const next = advance(
      first.book,
      [quarantine({ materialKey: 'quarantine reason B', materialItems: ['x'] })],
      { isChecked: () => true },
      at(60_000),
      defaultAlertSettings,
    );
    expect(next.transitions[0]?.changes).toEqual(['quarantine reason A → quarantine reason B', 'new: x']);
  });

  it('a second run at the same instant changes nothing', () => {
    const first = advance(
      emptyAlertBook(),
      [errors(), quarantine({ subject: otherJob })],
      { isChecked: () => true },
      at(0),
      defaultAlertSettings,
    );
    const again = advance(
      first.book,
      [errors(), quarantine({ subject: otherJob })],
      { isChecked: () => true },
      at(0),
      defaultAlertSettings,
    );
    expect(again.transitions).toEqual([]);
    expect(again.book).toEqual(first.book);
  });

  it('orders transitions most severe first', () => {
    const { transitions } = advance(
      emptyAlertBook(),
      [errors({ subject: otherJob }), quarantine()],
      { isChecked: () => true },
      at(0),
      { ...defaultAlertSettings, holdDownMs: 0 },
    );
    expect(transitions.map((t) => t.alert.kind)).toEqual(['job-quarantined', 'sync-errors']);
  });
});

describe('noise controls (defaults: hold-down 10 min, group interval 1 h, warnings ride along)', () => {
  const noisy = {
    holdDownMs: defaultAlertSettings.holdDownMs,
    groupIntervalMs: defaultAlertSettings.groupIntervalMs,
    repeatWarningMs: defaultAlertSettings.repeatWarningMs,
  };
  const items = (...codes: string[]) => ({ materialItems: codes.map((c) => `error code ${c}`) });

  it.each<{ title: string; steps: Step[]; expected: string[][] }>([
    {
      title: 'hold-down: a warning is told once it held 10 minutes; one that clears before is never told',
      steps: [
        { minute: 0, candidates: [errors(), stalled()] },
        { minute: 5, candidates: [errors(), stalled()] },
        { minute: 10, candidates: [errors()] },
        { minute: 15, candidates: [errors()] },
      ],
      expected: [[], [], ['new sync-errors warning'], []],
    },
    {
      title: 'hold-down: critical conditions are told at once',
      steps: [{ minute: 0, candidates: [quarantine(), noAgent()] }],
      expected: [['new agent-offline critical', 'new job-quarantined critical']],
    },
    {
      title: 'hold-down: a pending warning that turns critical is told at once',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, candidates: [errors({ severity: 'critical' })] },
      ],
      expected: [[], ['new sync-errors critical']],
    },
    {
      title: 'hold-down: a run that could not check keeps the pending warning pending',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 5, coverage: notChecked },
        { minute: 10, candidates: [errors()] },
      ],
      expected: [[], [], ['new sync-errors warning']],
    },
    {
      title: 'a warning update rides along with other news; alone it waits',
      steps: [
        { minute: 0, candidates: [errors(items('A'))] },
        { minute: 10, candidates: [errors(items('A'))] },
        { minute: 80, candidates: [errors(items('A', 'B'))] },
        { minute: 85, candidates: [errors(items('A', 'B')), quarantine({ subject: otherJob })] },
      ],
      expected: [
        [],
        ['new sync-errors warning'],
        [],
        ['new job-quarantined critical', 'updated sync-errors warning'],
      ],
    },
    {
      title: 'a news that went away before it was told is never told',
      steps: [
        { minute: 0, candidates: [errors(items('A'))] },
        { minute: 10, candidates: [errors(items('A'))] },
        { minute: 80, candidates: [errors(items('A', 'B'))] },
        { minute: 90, candidates: [errors(items('A')), quarantine({ subject: otherJob })] },
      ],
      expected: [[], ['new sync-errors warning'], [], ['new job-quarantined critical']],
    },
    {
      title: 'group interval: at most one sync-errors update per hour after the last message',
      steps: [
        { minute: 0, candidates: [errors({ severity: 'critical', ...items('A') })] },
        { minute: 20, candidates: [errors({ severity: 'critical', ...items('A', 'B') })] },
        { minute: 40, candidates: [errors({ severity: 'critical', ...items('A', 'B', 'C') })] },
        { minute: 60, candidates: [errors({ severity: 'critical', ...items('A', 'B', 'C') })] },
        { minute: 65, candidates: [errors({ severity: 'critical', ...items('A', 'B', 'C') })] },
      ],
      expected: [['new sync-errors critical'], [], [], ['updated sync-errors critical'], []],
    },
    {
      title: 'warning repeats ride along; alone only after ALERT_REPEAT_WARNING_HOURS',
      steps: [
        { minute: 0, candidates: [errors()] },
        { minute: 10, candidates: [errors()] },
        { minute: 4 * H + 10, candidates: [errors()] },
        { minute: 5 * H, candidates: [errors(), quarantine({ subject: otherJob })] },
        { minute: 29 * H, candidates: [errors(), quarantine({ subject: otherJob })] },
      ],
      expected: [
        [],
        ['new sync-errors warning'],
        [],
        ['new job-quarantined critical', 'repeat sync-errors warning'],
        // The quarantine repeats every 4 h on its own; by then the warning rode along.
        ['repeat job-quarantined critical', 'repeat sync-errors warning'],
      ],
    },
  ])('$title', ({ steps, expected }) => {
    expect(replay(steps, noisy).perStep).toEqual(expected);
  });

  it('a changed tracked number updates the alert and its row without a notification', () => {
    const { perStep, book } = replay(
      [
        { minute: 0, candidates: [quarantine({ trackedKey: '540 staged' })] },
        {
          minute: 5,
          candidates: [quarantine({ trackedKey: '600 staged', summary: '600 deletions staged' })],
        },
      ],
      noisy,
    );
    expect(perStep).toEqual([['new job-quarantined critical'], ['updated job-quarantined critical quiet']]);
    expect(book.alerts[0]?.summary).toBe('600 deletions staged');
  });
});
