import { app, type InvocationContext, type Timer } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';

/**
 * Timer: one monitor run: jobs, quarantine, agents, provisioning logs since the watermark, rules,
 * alert lifecycle, notifications, digest rollup.
 * The schedule is the COLLECT_SCHEDULE app setting (UTC; default every 5 minutes). No runOnStartup:
 * it would fire on every cold start and scale-out.
 */
export async function collect(timer: Timer, context: InvocationContext): Promise<void> {
  // The run's modules load with the first run, not with the worker: the host loads every function file
  // at start-up (and on every cold start), whether or not its trigger fires.
  const [{ runMonitor }, { LeaseHeldError }, { createMonitorDependencies }] = await Promise.all([
    import('../src/app/monitorRun.js'),
    import('../src/state/lease.js'),
    import('../src/wiring.js'),
  ]);
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  // Fleet mode: fleetFanOut enqueues the registry's tenants on this schedule instead.
  if (settings.fleet.enabled) return;
  if (timer.isPastDue)
    log.warn('collect is running late (isPastDue): a previous run or a host restart delayed it');
  const deps = await createMonitorDependencies(settings, systemClock, log);
  try {
    const { collect: result } = await runMonitor(deps, { trigger: 'timer' });
    // A failed run fails the invocation so it shows as failed in Application Insights.
    if (result.outcome === 'failed') {
      throw new Error(
        `collect run ${result.runId} failed: ${result.issues.map((i) => i.message).join('; ')}`,
      );
    }
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      log.warn(`collect skipped: ${error.message}`);
      return;
    }
    throw error;
  }
}

app.timer('collect', { schedule: '%COLLECT_SCHEDULE%', runOnStartup: false, handler: collect });
