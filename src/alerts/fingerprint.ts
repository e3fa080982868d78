import { createHash } from 'node:crypto';
import { jobKey } from '../domain/jobId.js';
import type { AlertKind, AlertSubject } from '../domain/alertModel.js';

/**
 * What identifies an alert's subject, whatever else the subject carries (names change, display fields
 * are for people): the job (by its job key, so the 2- and 3-part id forms are one job), else the agent,
 * else the configuration, else the monitor's signal, else the tenant itself.
 */
export function subjectKey(subject: AlertSubject): string {
  if (subject.jobId) return `job=${jobKey(subject.jobId)}`;
  if (subject.agentId) return `agent=${subject.agentId.toLowerCase()}`;
  if (subject.servicePrincipalId) return `configuration=${subject.servicePrincipalId.toLowerCase()}`;
  if (subject.signal)
    return `signal=${subject.signal.toLowerCase()}${subject.channel ? `;channel=${subject.channel.toLowerCase()}` : ''}`;
  return 'tenant';
}

/**
 * The stable alert id: tenant + kind + subject key, hashed. 16 hex digits (64 bits) keep ids short in
 * links and tables while collisions stay out of reach for any number of alerts one tenant can have.
 */
export function fingerprint(kind: AlertKind, subject: AlertSubject): string {
  return createHash('sha256')
    .update(`${subject.tenantId.toLowerCase()}\n${kind}\n${subjectKey(subject)}`)
    .digest('hex')
    .slice(0, 16);
}
