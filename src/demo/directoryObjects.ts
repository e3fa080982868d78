import { guidFrom } from './ids.js';

/**
 * The on-premises objects a configuration synchronises. Objects are derived from (domain, kind, index),
 * never stored, so a scenario can refer to thousands of users by number.
 */
export interface DirectoryObject {
  readonly kind: 'user' | 'group';
  readonly displayName: string;
  readonly samAccountName: string;
  readonly userPrincipalName: string;
  readonly mail: string;
  readonly distinguishedName: string;
  /** The AD objectGUID (sourceIdentity.id). */
  readonly sourceId: string;
  /** The Entra object id once the object exists there (targetIdentity.id). */
  readonly targetId: string;
}

// prettier-ignore
const FIRST_NAMES = [
  'Aaron', 'Bianca', 'Carlos', 'Dana', 'Elif', 'Farah', 'Goran', 'Hana', 'Ivan', 'Jonas',
  'Keiko', 'Lars', 'Maya', 'Nadia', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq',
  'Ursula', 'Viktor', 'Wen', 'Ximena', 'Yusuf', 'Zofia', 'Amara', 'Bruno', 'Chiara', 'Dmitri',
  'Emeka', 'Freya', 'Giulia', 'Hiro', 'Ines', 'Jamal', 'Kasia', 'Luca', 'Mei', 'Nils',
] as const;

// prettier-ignore
const LAST_NAMES = [
  'Andersen', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ibrahim', 'Jensen',
  'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Olsen', 'Petrov', 'Quintero', 'Rossi', 'Schmidt', 'Tanaka',
  'Urban', 'Vogel', 'Weber', 'Xu', 'Yilmaz', 'Zimmermann', 'Ahmed', 'Becker', 'Chen', 'Dimitrov',
  'Evans', 'Fernandes', 'Gruber', 'Horvat', 'Ito', 'Jovanovic', 'Kim', 'Lindqvist', 'Meyer', 'Novak',
] as const;

const DEPARTMENTS = ['Finance', 'Sales', 'Marketing', 'Engineering', 'Support', 'HR', 'Legal', 'Operations'];

function name(list: readonly string[], index: number): string {
  return list[index % list.length] ?? 'X';
}

function baseDn(domain: string): string {
  return domain
    .split('.')
    .map((part) => `DC=${part}`)
    .join(',');
}

/** A person with a given name (the characters of the demo story) in `ou`. */
export function namedUser(domain: string, displayName: string, ou = 'Users'): DirectoryObject {
  const [first = 'user', ...rest] = displayName.toLowerCase().split(' ');
  const alias = [first, ...rest].join('.');
  const sam = (first.charAt(0) + rest.join('')).slice(0, 20);
  return {
    kind: 'user',
    displayName,
    samAccountName: sam,
    userPrincipalName: `${alias}@${domain}`,
    mail: `${alias}@${domain}`,
    distinguishedName: `CN=${displayName},OU=${ou},${baseDn(domain)}`,
    sourceId: guidFrom(domain, 'user', displayName, 'objectGUID'),
    targetId: guidFrom(domain, 'user', displayName, 'entra'),
  };
}

/** The index-th user of a domain. Names repeat after 1,600 users, so a number keeps them unique. */
export function indexedUser(domain: string, index: number, ou = 'Users'): DirectoryObject {
  const first = name(FIRST_NAMES, index);
  const last = name(LAST_NAMES, Math.floor(index / FIRST_NAMES.length));
  const suffix = index >= FIRST_NAMES.length * LAST_NAMES.length ? ` ${index}` : '';
  return namedUser(domain, `${first} ${last}${suffix}`, ou);
}

export function indexedGroup(domain: string, index: number): DirectoryObject {
  const displayName = `GRP-${name(DEPARTMENTS, index)}-${String(index).padStart(3, '0')}`;
  return {
    kind: 'group',
    displayName,
    samAccountName: displayName,
    userPrincipalName: '',
    mail: `${displayName.toLowerCase()}@${domain}`,
    distinguishedName: `CN=${displayName},OU=Groups,${baseDn(domain)}`,
    sourceId: guidFrom(domain, 'group', index, 'objectGUID'),
    targetId: guidFrom(domain, 'group', index, 'entra'),
  };
}

export function departmentFor(unit: number): string {
  return name(DEPARTMENTS, Math.floor(unit * DEPARTMENTS.length));
}
