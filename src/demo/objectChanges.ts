import { departmentFor, type DirectoryObject } from './directoryObjects.js';
import type { ModifiedProperty } from './graphTypes.js';
import { pickOne, type Random } from './prng.js';
import type { EventAction } from './provisioningEvent.js';

/**
 * What changed on an object, as provisioning events list it in modifiedProperties. Values are plausible
 * directory edits (a move to another department, a new phone number, a group membership).
 */
const TITLES = [
  'Analyst',
  'Senior Analyst',
  'Engineer',
  'Senior Engineer',
  'Manager',
  'Consultant',
  'Specialist',
];
const OFFICES = ['Amsterdam', 'Berlin', 'Lisbon', 'Oslo', 'Seattle', 'Singapore', 'Toronto', 'Vienna'];

function phone(random: Random): string {
  return `+1 425 555 ${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
}

function attributeChange(random: Random): ModifiedProperty {
  const attribute = pickOne(random(), [
    'department',
    'title',
    'telephoneNumber',
    'physicalDeliveryOfficeName',
    'mobile',
  ]);
  switch (attribute) {
    case 'department':
      return {
        displayName: 'department',
        oldValue: departmentFor(random()),
        newValue: departmentFor(random()),
      };
    case 'title':
      return {
        displayName: 'jobTitle',
        oldValue: pickOne(random(), TITLES),
        newValue: pickOne(random(), TITLES),
      };
    case 'physicalDeliveryOfficeName':
      return {
        displayName: 'officeLocation',
        oldValue: pickOne(random(), OFFICES),
        newValue: pickOne(random(), OFFICES),
      };
    case 'mobile':
      return { displayName: 'mobilePhone', oldValue: null, newValue: phone(random) };
    default:
      return { displayName: 'telephoneNumber', oldValue: phone(random), newValue: phone(random) };
  }
}

export function modifiedPropertiesFor(
  action: EventAction,
  object: DirectoryObject,
  random: Random,
): ModifiedProperty[] {
  if (object.kind === 'group') {
    if (action === 'create') {
      return [
        { displayName: 'displayName', oldValue: null, newValue: object.displayName },
        { displayName: 'securityEnabled', oldValue: null, newValue: 'True' },
        { displayName: 'mailEnabled', oldValue: null, newValue: 'False' },
      ];
    }
    if (action !== 'update') return [];
    return [
      {
        displayName: 'members',
        oldValue: null,
        newValue: `CN=Member ${Math.floor(random() * 9000) + 1000},OU=Users`,
      },
    ];
  }
  switch (action) {
    case 'create':
      return [
        { displayName: 'displayName', oldValue: null, newValue: object.displayName },
        { displayName: 'userPrincipalName', oldValue: null, newValue: object.userPrincipalName },
        { displayName: 'mail', oldValue: null, newValue: object.mail },
        { displayName: 'accountEnabled', oldValue: null, newValue: 'True' },
        { displayName: 'onPremisesDistinguishedName', oldValue: null, newValue: object.distinguishedName },
      ];
    case 'update': {
      const count = 1 + Math.floor(random() * 3);
      const changes = new Map<string, ModifiedProperty>();
      for (let i = 0; i < count; i++) {
        const change = attributeChange(random);
        changes.set(change.displayName, change);
      }
      return [...changes.values()];
    }
    case 'disable':
      return [{ displayName: 'accountEnabled', oldValue: 'True', newValue: 'False' }];
    default:
      return [];
  }
}

const SKIP_REASONS = [
  'the object is in an organizational unit that is not in scope of the configuration',
  'the object does not match the scoping filter of the configuration',
  'the object has no changes to export',
];

export function skipReasonFor(unit: number): string {
  return pickOne(unit, SKIP_REASONS);
}
