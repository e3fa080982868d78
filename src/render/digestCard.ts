import { cloudSyncPortalUrl, workbookAlertUrl } from './links.js';
import type { DigestModel, HourCell, Problem } from '../domain/digestModel.js';
import { conditionLabel as stateLabel } from '../domain/jobCondition.js';
import { periodText } from '../domain/timeText.js';
import { payloadBytes, workflowsBody } from '../notify/teamsPayload.js';
import { LEVEL_WORD, eventsCounted, formatCount, plural, windowText } from './digestFormat.js';
import { capText, cardText } from './escape.js';

/**
 * The digest as a Teams Adaptive Card (1.4, which every Teams client renders): the verdict, the problems
 * worst first, one line per job and agent, coverage, and a link to the workbook for the details the email
 * carries. It must fit the Workflows limit (28 KB including the envelope) on any day, so it is built at
 * decreasing levels of detail until it fits DIGEST_CARD_MAX_BYTES, well below the channel's own cut-off.
 * Directory data goes through `txt`: capped, with Markdown neutralised.
 */

export const DIGEST_CARD_MAX_BYTES = 24_000;

interface Detail {
  readonly problems: number;
  readonly factsPerProblem: number;
  readonly jobs: number;
  readonly agents: number;
  readonly textChars: number;
}

const DETAIL_LEVELS: readonly Detail[] = [
  { problems: 8, factsPerProblem: 4, jobs: 30, agents: 20, textChars: 200 },
  { problems: 5, factsPerProblem: 2, jobs: 15, agents: 10, textChars: 160 },
  { problems: 3, factsPerProblem: 1, jobs: 8, agents: 5, textChars: 120 },
  { problems: 1, factsPerProblem: 0, jobs: 3, agents: 3, textChars: 100 },
];

type Element = Record<string, unknown>;

const CONTAINER_STYLE = {
  critical: 'attention',
  degraded: 'warning',
  healthy: 'good',
  unknown: 'emphasis',
} as const;
const TEXT_COLOUR = {
  critical: 'Attention',
  degraded: 'Warning',
  healthy: 'Good',
  unknown: 'Default',
} as const;

export interface DigestCardOptions {
  readonly workbookUrl?: string | undefined;
  /** Entra admin center base; default https://entra.microsoft.com/. */
  readonly portalUrl?: string | undefined;
}

export function renderDigestCard(
  model: DigestModel,
  options: DigestCardOptions = {},
): Record<string, unknown> {
  let card: Record<string, unknown> = {};
  for (const detail of DETAIL_LEVELS) {
    card = buildCard(model, options, detail);
    if (payloadBytes(workflowsBody(card)) <= DIGEST_CARD_MAX_BYTES) return card;
  }
  return card;
}

function buildCard(model: DigestModel, options: DigestCardOptions, detail: Detail): Record<string, unknown> {
  const txt = (value: string | null | undefined, max = detail.textChars) =>
    cardText(capText(value ?? '', max));
  const t = model.totals;
  const level = model.verdict.level;
  const body: Element[] = [
    { type: 'TextBlock', text: 'Cloud Sync daily digest', weight: 'Bolder', size: 'Medium', wrap: true },
    {
      type: 'TextBlock',
      text: txt(`${model.tenantLabel} tenant · ${windowText(model)}`),
      isSubtle: true,
      spacing: 'None',
      wrap: true,
    },
    {
      type: 'Container',
      style: CONTAINER_STYLE[level],
      items: [
        {
          type: 'TextBlock',
          text: txt(
            `${LEVEL_WORD[level]}${model.verdict.fullyObserved || level === 'unknown' ? '' : ' · not fully observed'}`,
          ),
          weight: 'Bolder',
          color: TEXT_COLOUR[level],
          wrap: true,
        },
        { type: 'TextBlock', text: txt(model.verdict.headline, 400), wrap: true, spacing: 'Small' },
      ],
    },
    {
      type: 'FactSet',
      facts: [
        { title: 'Jobs', value: txt(`${formatCount(t.jobs)} (${formatCount(t.jobsOkNow)} active now)`) },
        {
          title: 'Events',
          value: txt(
            `${eventsCounted(t.events, t.collectedLate, Date.parse(model.windowStart))}, ${formatCount(t.failedEvents)} failed`,
          ),
        },
        { title: 'Failing now', value: txt(plural(t.failingObjectsAtEnd, 'object')) },
        {
          title: 'Agents',
          value: txt(t.agents ? `${t.agentsActiveNow} of ${t.agents} active now` : 'not observed'),
        },
        { title: 'Observed', value: txt(`${t.observedPct}% of hours`) },
      ],
    },
  ];

  const shown = model.problems.slice(0, detail.problems);
  if (shown.length > 0)
    body.push({
      type: 'TextBlock',
      text: 'Problems, worst first',
      weight: 'Bolder',
      separator: true,
      wrap: true,
    });
  for (const problem of shown) body.push(problemBlock(problem, model, detail, txt));
  if (model.problems.length > shown.length)
    body.push({
      type: 'TextBlock',
      text: txt(`and ${model.problems.length - shown.length} more problems: see the email or the workbook`),
      isSubtle: true,
      wrap: true,
    });

  const jobs = model.configurations.flatMap((c) => c.jobs);
  if (jobs.length > 0) {
    body.push({ type: 'TextBlock', text: 'Sync jobs', weight: 'Bolder', separator: true, wrap: true });
    body.push({
      type: 'FactSet',
      facts: jobs.slice(0, detail.jobs).map((job) => ({
        title: txt(`${job.configurationName} · ${job.label.split(' (')[0]}`, 80),
        value: txt(
          `${job.now ? `${stateLabel(job.now.state)}${job.now.detail ? ` (${job.now.detail})` : ''}` : 'not observed'} · ` +
            `${eventsCounted(job.eventTotal, job.collectedLate, Date.parse(model.windowStart), 'event')}${job.stillFailing.objects ? ` · ${job.stillFailing.objects} failing` : ''} ${hourText(job.hourly)}`,
        ),
      })),
    });
    if (jobs.length > detail.jobs)
      body.push({
        type: 'TextBlock',
        text: txt(`and ${jobs.length - detail.jobs} more jobs`),
        isSubtle: true,
        wrap: true,
      });
  }

  const agents = model.agents.list;
  body.push({
    type: 'TextBlock',
    text: 'Provisioning agents',
    weight: 'Bolder',
    separator: true,
    wrap: true,
  });
  if (agents.length === 0)
    body.push({
      type: 'TextBlock',
      text: txt(model.agents.note ?? 'No agents observed.', 300),
      isSubtle: true,
      wrap: true,
    });
  else {
    body.push({
      type: 'FactSet',
      facts: agents.slice(0, detail.agents).map((a) => ({
        title: txt(a.machineName, 80),
        value: txt(
          `${a.statusNow} now · ${a.availabilityPct === null ? 'n/a' : `${a.availabilityPct}% available`}`,
        ),
      })),
    });
    if (agents.length > detail.agents)
      body.push({
        type: 'TextBlock',
        text: txt(`and ${agents.length - detail.agents} more agents`),
        isSubtle: true,
        wrap: true,
      });
  }

  const c = model.coverage;
  body.push({
    type: 'TextBlock',
    text: txt(
      `Coverage: ${c.fullyObserved ? 'fully observed' : 'not fully observed'}, ${formatCount(c.runs)} of about ${formatCount(c.expectedRuns)} collect runs` +
        `${c.gaps.length ? `, ${c.gaps.length} gap${c.gaps.length === 1 ? '' : 's'}` : ''}. Times are UTC.`,
      300,
    ),
    isSubtle: true,
    separator: true,
    wrap: true,
  });

  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    msteams: { width: 'Full' },
    body,
    actions: cardActions(options),
  };
}

/** The workbook (when configured) and the Entra admin center's Cloud sync pane: links we built. */
function cardActions(options: DigestCardOptions): Record<string, unknown>[] {
  const workbook = workbookAlertUrl(options.workbookUrl);
  const portal = cloudSyncPortalUrl(options.portalUrl);
  return [
    ...(workbook ? [{ type: 'Action.OpenUrl', title: 'Open the workbook', url: workbook }] : []),
    ...(portal ? [{ type: 'Action.OpenUrl', title: 'Cloud sync (Entra admin center)', url: portal }] : []),
  ];
}

function problemBlock(
  problem: Problem,
  model: DigestModel,
  detail: Detail,
  txt: (value: string | null | undefined, max?: number) => string,
): Element {
  const level = problem.severity === 'critical' ? 'critical' : 'degraded';
  const windowStart = Date.parse(model.windowStart);
  const windowEnd = Date.parse(model.windowEnd);
  // The facts carry the times; only "failing since" has no fact of its own.
  const when = problem.periods
    .slice(0, 2)
    .map((p) => periodText(p, windowStart, windowEnd))
    .join('; ');
  const items: Element[] = [
    {
      type: 'TextBlock',
      text: txt(
        `${problem.severity.toUpperCase()} · ${problem.ongoing ? 'still ongoing' : 'resolved'}${when && problem.kind === 'sync-errors' ? ` · ${when}` : ''}`,
      ),
      color: TEXT_COLOUR[level],
      size: 'Small',
      weight: 'Bolder',
      wrap: true,
    },
    { type: 'TextBlock', text: txt(problem.title), weight: 'Bolder', wrap: true, spacing: 'None' },
    ...problem.facts
      .slice(0, detail.factsPerProblem)
      .map((fact) => ({ type: 'TextBlock', text: `• ${txt(fact)}`, wrap: true, spacing: 'None' })),
  ];
  if (problem.action && detail.factsPerProblem > 1)
    items.push({
      type: 'TextBlock',
      text: txt(`What to do: ${problem.action}`, 300),
      wrap: true,
      isSubtle: true,
      spacing: 'Small',
    });
  return { type: 'Container', separator: true, items };
}

/** The hour strip as text for the card: Adaptive Cards 1.4 have no table to draw it with. */
function hourText(cells: readonly HourCell[]): string {
  const bad = cells.filter((c) => c.state === 'critical' || c.state === 'warning').length;
  const unobserved = cells.filter((c) => c.state === 'none').length;
  const parts: string[] = [];
  if (bad) parts.push(`${bad} h with problems`);
  if (unobserved) parts.push(`${unobserved} h not observed`);
  return parts.length ? `(${parts.join(', ')})` : '';
}
