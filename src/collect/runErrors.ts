import type { RunIssue } from '../domain/runIssue.js';
import { GraphRequestError } from '../graph/errors.js';

export type { RunIssue };

export function issueFrom(signal: RunIssue['signal'], error: unknown, target?: string): RunIssue {
  if (error instanceof GraphRequestError) {
    return {
      signal,
      severity: 'error',
      code: error.code ?? error.kind,
      message: error.message,
      ...(target ? { target } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error ? error.name : 'Error';
  return { signal, severity: 'error', code, message, ...(target ? { target } : {}) };
}
