import type { AlertView } from './view.js';

/**
 * The groups of an alert a renderer leaves out after showing `shown`, and their items: those it had
 * no room for plus those the rule counted but did not list (sync-errors lists 25 error codes), so "and
 * N more groups" is the same true number in the email, its text part and the card.
 */
export function groupsLeftOut(view: AlertView, shown: number): { groups: number; items: number } {
  const rest = view.groups.slice(shown);
  return {
    groups: rest.length + (view.groupsNotListed?.groups ?? 0),
    items: rest.reduce((n, g) => n + g.items.length + g.more, 0) + (view.groupsNotListed?.items ?? 0),
  };
}
