/**
 * The details of a sync-errors alert with one failing object (AttributeValueMustBeUnique), for the
 * remediation tests: the one object "provision this object now" offers.
 */
export function oneFailingObjectDetails(o: {
  servicePrincipalId: string;
  jobId: string;
  sourceId: string;
  displayName: string;
  at: string;
}) {
  return {
    job: {
      servicePrincipalId: o.servicePrincipalId,
      configurationName: 'contoso.com',
      jobId: o.jobId,
      templateId: 'AD2AADProvisioning',
      troubleshootingUrl: null,
    },
    failingObjects: 1,
    untrackedObjects: 0,
    criticalAbove: 0,
    categories: [{ errorCategory: 'DuplicateAttribute', objectCount: 1 }],
    groups: [
      {
        errorCode: 'AttributeValueMustBeUnique',
        errorCategory: 'DuplicateAttribute',
        objectCount: 1,
        description: null,
        recommendedAction: null,
        objects: [
          {
            sourceId: o.sourceId,
            displayName: o.displayName,
            objectType: 'User',
            action: 'Create',
            failingSince: o.at,
            lastFailedAt: o.at,
          },
        ],
        moreObjects: 0,
      },
    ],
    oldestFailure: o.at,
    newestFailure: o.at,
  };
}
