/**
 * The digest's names for provisioning actions and results. Graph's own spellings vary in case and grow
 * over time (`unknownFutureValue`), so everything is folded into a small, fixed vocabulary here, once,
 * and the rollups, the model and the renderers only ever see these words.
 */

export const DIGEST_ACTIONS = ['create', 'update', 'delete', 'disable', 'StagedDelete', 'other'] as const;
export type DigestAction = (typeof DIGEST_ACTIONS)[number];

export const DIGEST_RESULTS = ['success', 'failure', 'skipped', 'warning', 'other'] as const;
export type DigestResult = (typeof DIGEST_RESULTS)[number];

export function digestAction(raw: string | null | undefined): DigestAction {
  switch ((raw ?? '').toLowerCase()) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'disable':
      return 'disable';
    case 'stageddelete':
      return 'StagedDelete';
    default:
      return 'other';
  }
}

export function digestResult(raw: string | null | undefined): DigestResult {
  switch ((raw ?? '').toLowerCase()) {
    case 'success':
      return 'success';
    case 'failure':
      return 'failure';
    case 'skipped':
      return 'skipped';
    case 'warning':
      return 'warning';
    default:
      return 'other';
  }
}
