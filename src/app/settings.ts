import type { AlertSettings } from '../alerts/settings.js';
import type { CanarySettings } from '../canary/settings.js';
import type { CollectSettings } from '../collect/settings.js';
import type { CoverageSettings } from '../coverage/settings.js';
import type { DigestSettings } from '../digest/settings.js';
import type { NotifySettings } from '../notify/settings.js';
import type { RunLimits } from './underRunLease.js';

/**
 * What one monitor run needs of the settings: collecting, the run's limits, the alert rules and
 * lifecycle, the notification channels, the scope coverage check and the canary (src/config.ts's Settings satisfies it).
 */
export interface MonitorSettings extends CollectSettings {
  readonly run: RunLimits;
  readonly alerts: AlertSettings;
  readonly notify: NotifySettings;
  readonly coverage: CoverageSettings;
  readonly canary: CanarySettings;
  /** The workbook every alert links to (DIGEST_WORKBOOK_URL); absent: no workbook link. */
  readonly digest?: Pick<DigestSettings, 'workbookUrl'>;
}
