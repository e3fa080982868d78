import { describe, expect, it } from 'vitest';
import { errorCategory } from '../../src/domain/errorCategory.js';

describe('error code -> Connect Health error category', () => {
  it.each([
    ['AttributeValueMustBeUnique', 'DuplicateAttribute'],
    ['EntryConflict', 'DuplicateAttribute'],
    ['ObjectConflict', 'DuplicateAttribute'],
    ['AzureActiveDirectoryInvalidValue', 'DataValidationFailure'],
    ['InvalidCharacters', 'DataValidationFailure'],
    ['LargeObject', 'LargeAttribute'],
    ['ExceededAllowedLength', 'LargeAttribute'],
    ['FederatedDomainChangeError', 'FederatedDomainChange'],
    ['InvalidSoftMatch', 'DataMismatch'],
    ['AzureDirectoryServiceServerBusy', 'Other'],
  ])('%s is %s', (code, category) => {
    expect(errorCategory(code)).toBe(category);
  });

  it('has no category without a code', () => {
    expect(errorCategory(null)).toBeNull();
    expect(errorCategory('')).toBeNull();
  });
});
