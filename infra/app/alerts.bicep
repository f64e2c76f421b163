// Alert rules for ai-model-dr (issue 16): scheduled log search alerts on Application Insights
// plus one action group that e-mails the operator. Every event name and dimension in the
// queries below is a constant of src/telemetry/names.ts (test/unit/alertsBicep.test.ts checks it).
// docs/observability.md explains each rule and its KQL.

@description('Resource id of the Application Insights component the app sends telemetry to.')
param appInsightsId string

@description('Name of that Application Insights component (used in the alert rules\' names).')
param appInsightsName string

@description('Region of the alert rules (the action group is global).')
param location string = resourceGroup().location

@description('E-mail address that receives the alerts. Empty: no action group; the rules still fire and show in Azure Monitor.')
param actionGroupEmail string = ''

@description('DR_RPO_HOURS of the app: the recovery point objective in hours (default 26: one missed daily run).')
@minValue(1)
@maxValue(8760)
param rpoHours int = 26

@description('Tags applied to every resource.')
param tags object = {}

// Log search alerts query at most a fixed look-back; the dead man's switch looks back
// min(DR_RPO_HOURS, 48) hours, so with a longer RPO it fires after 48 h without a run.
var deadMansSwitchHours = min(rpoHours, 48)
var prefix = 'modeldr-${appInsightsName}'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(actionGroupEmail)) {
  name: '${prefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'modeldr'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: actionGroupEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Every rule notifies the action group when there is one.
var actionGroups = empty(actionGroupEmail) ? [] : [actionGroup.id]

// Severity 1: the latest ReplicaHealth of a region reports pairs over the RPO. One alert per region.
var rpoBreachQuery = '''
customEvents
| where name == "ModelDr.ReplicaHealth"
| extend region = tostring(customDimensions.region), overRpo = toint(customDimensions.overRpo), health = tostring(customDimensions.health)
| summarize arg_max(timestamp, overRpo, health) by region
| where overRpo > 0
'''

resource rpoBreach 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-rpo-breach'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: RPO breached in a region'
    description: 'The latest ModelDr.ReplicaHealth of a region counts pairs without a verified copy younger than DR_RPO_HOURS (${rpoHours} h).'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    overrideQueryTimeRange: 'P2D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rpoBreachQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'overRpo'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'region'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

// Severity 1: no run completed within DR_RPO_HOURS (a timer can stop silently).
var deadMansSwitchQuery = replace(
  '''
customEvents
| where timestamp > ago({hours}h)
| where name == "ModelDr.RunCompleted"
| summarize runs = count()
| where runs == 0
''',
  '{hours}',
  string(deadMansSwitchHours)
)

resource deadMansSwitch 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-no-run'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: no replication run completed'
    description: 'No ModelDr.RunCompleted in the last ${deadMansSwitchHours} h: the schedule or the app has stopped.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    overrideQueryTimeRange: 'P2D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: deadMansSwitchQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

// Severity 2: a run finished with failed, unverified or invalid pairs.
var runWithFailuresQuery = '''
customEvents
| where name == "ModelDr.RunCompleted"
| extend outcome = tostring(customDimensions.outcome), failed = toint(customDimensions.failed), unverified = toint(customDimensions.unverified), runId = tostring(customDimensions.runId)
| where outcome == "partial" or failed > 0 or unverified > 0
| project timestamp, runId, outcome, failed, unverified
'''

resource runWithFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-run-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: a run had failures'
    description: 'A ModelDr.RunCompleted reported failed or unverified pairs (outcome partial).'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: runWithFailuresQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

// Severity 1: a configuration error (setting names only) or a run that failed as a whole.
var configOrFailedRunQuery = '''
customEvents
| where name == "ModelDr.ConfigurationError" or (name == "ModelDr.RunCompleted" and tostring(customDimensions.outcome) == "failed")
| extend settings = tostring(customDimensions.settings), component = tostring(customDimensions.component), runId = tostring(customDimensions.runId)
| project timestamp, name, settings, component, runId
'''

resource configOrFailedRun 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-config-or-failed-run'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: configuration error or failed run'
    description: 'A ModelDr.ConfigurationError, or a ModelDr.RunCompleted with outcome failed.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: configOrFailedRunQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

// Severity 3: Custom Vision notifications were rejected (malformed, unknown project, …).
var cvRejectedQuery = '''
customEvents
| where name == "ModelDr.CvNotificationRejected"
| extend stage = tostring(customDimensions.stage), code = tostring(customDimensions.code)
| summarize rejected = count() by stage, code
'''

resource cvRejected 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-cv-rejected'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: Custom Vision notifications rejected'
    description: 'ModelDr.CvNotificationRejected: a notification queue message could not be used.'
    severity: 3
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: cvRejectedQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'rejected'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'code'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

// Severity 1: the active primary was switched (a planned or unplanned failover, or a failback):
// operators learn at once that clients now call another region (docs/failover.md).
var failoverCompletedQuery = '''
customEvents
| where name == "ModelDr.FailoverCompleted"
| extend failoverId = tostring(customDimensions.failoverId), mode = tostring(customDimensions.mode), fromRegion = tostring(customDimensions.from), toRegion = tostring(customDimensions.to), withoutCopy = toint(customDimensions.withoutCopy), achievedRtoSeconds = todouble(customDimensions.achievedRtoSeconds)
| project timestamp, failoverId, mode, fromRegion, toRegion, withoutCopy, achievedRtoSeconds
'''

resource failoverCompleted 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-failover-completed'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: failover completed (the primary changed)'
    description: 'A ModelDr.FailoverCompleted event: the active primary was switched; clients now call another member.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: failoverCompletedQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

output actionGroupId string = empty(actionGroupEmail) ? '' : actionGroup.id
// Severity 2: a Custom Vision project DR copy failed (the DR region has no serving copy of the newest training).
var cvProjectCopyFailedQuery = '''
customEvents
| where name == "ModelDr.CvProjectCopied"
| extend outcome = tostring(customDimensions.outcome), region = tostring(customDimensions.region), code = tostring(customDimensions.code)
| where outcome == "failed"
| summarize failed = count() by region, code
'''

resource cvProjectCopyFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${prefix}-cv-project-copy-failed'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Model DR: Custom Vision project DR copy failed'
    description: 'ModelDr.CvProjectCopied with outcome failed: a project was not imported, verified and published in a DR region (see GET /api/customvision/projects).'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: cvProjectCopyFailedQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'failed'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'region'
              operator: 'Include'
              values: ['*']
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actionGroups
    }
  }
}

output actionGroupId string = empty(actionGroupEmail) ? '' : actionGroup.id
output alertRuleIds array = [
  rpoBreach.id
  deadMansSwitch.id
  runWithFailures.id
  configOrFailedRun.id
  cvRejected.id
  failoverCompleted.id
  cvProjectCopyFailed.id
]
