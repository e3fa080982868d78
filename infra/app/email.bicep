// Azure Communication Services email: an Email Communication Service with an Azure-managed domain
// (<guid>.azurecomm.net, no DNS to set up; low send quotas, meant to get started: link a custom domain for
// production volumes) linked to a Communication Services resource the app sends through with its identity.

param communicationServiceName string
param emailServiceName string
param tags object = {}

@description('Where ACS keeps data at rest; the email service and ACS must use the same geography.')
param dataLocation string

@description('Principal id of the identity that sends alert email (the function app\'s managed identity).')
param senderPrincipalId string

/*
 * Least-privileged documented role for sending email with an Entra identity: the built-in
 * "Communication and Email Service Owner" role, scoped to this ACS resource alone. Microsoft Learn
 * ("Create credentials for SMTP authentication", azure/communication-services/quickstarts/email/send-email-smtp/
 * smtp-authentication) names it for Entra-authenticated email; the alternative it documents is a custom role with
 * Microsoft.Communication/CommunicationServices/Read, .../CommunicationServices/Write and
 * Microsoft.Communication/EmailServices/write, or Contributor. The built-in role only covers
 * Microsoft.Communication actions, unlike Contributor.
 */
var communicationAndEmailServiceOwnerRoleId = '09976791-48a7-449e-bb21-39d1a415f350' // Communication and Email Service Owner

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }

  resource azureManagedDomain 'domains' = {
    name: 'AzureManagedDomain' // the name an Azure-managed domain must have
    location: 'global'
    tags: tags
    properties: {
      domainManagement: 'AzureManaged'
      userEngagementTracking: 'Disabled' // no tracking pixels or rewritten links in alert mail
    }
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      emailService::azureManagedDomain.id
    ]
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, senderPrincipalId, communicationAndEmailServiceOwnerRoleId)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      communicationAndEmailServiceOwnerRoleId
    )
    principalId: senderPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output communicationServiceId string = communicationService.id
@description('ACS endpoint for the email client (ALERT_EMAIL_ENDPOINT).')
output endpoint string = 'https://${communicationService.properties.hostName}'
@description('The managed domain\'s default sender (ALERT_EMAIL_SENDER).')
output senderAddress string = 'DoNotReply@${emailService::azureManagedDomain.properties.mailFromSenderDomain}'
