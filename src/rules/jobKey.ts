/**
 * One key per sync job, whichever id form we met it in. The jobs API shows `AD2AADProvisioning.<hex>`
 * or `AD2AADProvisioning.<hex>.<tenant>`; provisioning events always carry the 3-part form. The first two
 * parts (template + compact service principal id) name the job, so they key state, subjects and
 * fingerprints: a job seen both ways is one job, and one alert.
 */
export function jobKey(jobId: string): string {
  const parts = jobId.trim().toLowerCase().split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : (parts[0] ?? '');
}
