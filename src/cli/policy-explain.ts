/**
 * `agent-sts policy explain`: the decision a token request would get and every step that
 * led to it, without minting: from a policy file (offline; suspensions unknown) or from the
 * running broker (POST /admin/explain, with the store's suspension).
 */
import { explainDecision, formatProblems, loadPolicyFile, parseIsoDate, type Explanation, type PersonFacts } from '../policy/index.js';
import { parseDuration } from '../duration.js';
import { formatTable } from '../tabular/index.js';
import { CliFailure, UsageError } from './cli-error.js';
import { instantFlag, stringFlag, type CliCommand, type FlagValues } from './command.js';
import { callBroker, liveBroker } from './live-broker.js';

const GRANTS = ['token_exchange', 'client_credentials'] as const;

export const policyExplainCommand: CliCommand = {
  name: 'policy explain',
  summary: 'Why a token request would be granted or refused: every step, which rule removes each scope, which limit sets the TTL.',
  usage: '--agent ID --audience URL [--intent NAME] [--scope S]... [--at ISO8601] [--grant token_exchange|client_credentials] [--dpop yes|no] [--person-scope S]... [--depth N] [--person-expires-in DURATION] [--policy FILE] [--json]',
  help: `  --agent ID       the agent asking
  --audience URL   the audience it asks for
  --intent NAME    the intent it names (optional, as in a token request)
  --scope S        a scope it asks for; repeat, or give several separated by spaces (default: the intent's)
  --at ISO8601     decide at this instant (reviews due, ...) instead of now
  --grant G        token_exchange (default) or client_credentials: which OAuth error a refusal gets
  --dpop yes|no    whether the request carries a DPoP proof (a tier with sender_constraint: dpop
                   refuses one without); unsaid, such a tier's step is unknown
  --person-scope S the request acts for a person whose token carries S (RFC 8693 delegation);
                   repeat, or give several separated by spaces; \"\" for a person with no scopes
  --depth N        with --person-scope: agents in the resulting chain, this one included (default 1)
  --person-expires-in DURATION
                   with --person-scope: how long the person's token has left (e.g. 5m); the
                   token never outlives it
  --policy FILE    explain from a policy file (offline: suspensions are unknown); without it,
                   ask the running broker (STS_URL, STS_ADMIN_KEY with at least the auditor role)`,
  options: {
    agent: { type: 'string' }, audience: { type: 'string' }, intent: { type: 'string' }, scope: { type: 'string', multiple: true },
    at: { type: 'string' }, grant: { type: 'string' }, dpop: { type: 'string' }, policy: { type: 'string' },
    'person-scope': { type: 'string', multiple: true }, depth: { type: 'string' }, 'person-expires-in': { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  validate(values) {
    if (!stringFlag(values, 'agent')) throw new UsageError('--agent ID is required');
    if (!stringFlag(values, 'audience')) throw new UsageError('--audience URL is required');
    const grant = stringFlag(values, 'grant');
    if (grant !== undefined && !(GRANTS as readonly string[]).includes(grant)) throw new UsageError(`--grant: one of ${GRANTS.join(', ')}`);
    instantFlag(values, 'at', parseIsoDate);
    const dpop = stringFlag(values, 'dpop');
    if (dpop !== undefined && dpop !== 'yes' && dpop !== 'no') throw new UsageError('--dpop: yes or no');
    personFacts(values);
  },
  async run({ values, env, io, json, nowMs }) {
    const { agent, audience, intent, scopes, grant, dpop } = explainRequest(values);
    const person = personFacts(values);
    const file = stringFlag(values, 'policy');
    let explanation: Explanation;
    if (file) {
      const at = instantFlag(values, 'at', parseIsoDate) ?? nowMs;
      const { compiled, problems } = await loadPolicyFile(file, { nowMs: at, stsIssuer: env.STS_ISSUER ?? 'http://localhost:8080' });
      if (!compiled) throw new CliFailure('policy_invalid', `the policy has errors:\n${formatProblems(problems)}`);
      explanation = explainDecision(compiled, { agentId: agent, audience, nowMs: at, ...(intent ? { intent } : {}), ...(scopes ? { scopes } : {}), ...(grant ? { grant } : {}), ...(dpop !== undefined ? { dpop } : {}), ...(person ? { onBehalfOf: person } : {}) });
    } else {
      const client = liveBroker(env, 'give --policy FILE');
      const body = { agent, audience, ...(intent ? { intent } : {}), ...(scopes ? { scope: scopes } : {}), ...(grant ? { grant } : {}), ...(values.at ? { at: values.at } : {}), ...(dpop !== undefined ? { dpop } : {}),
        ...(person ? { on_behalf_of: { scope: person.scopes, ...(person.depth !== undefined ? { depth: person.depth } : {}), ...(person.remainingMs !== undefined ? { expires_in: Math.ceil(person.remainingMs / 1000) } : {}) } } : {}) };
      explanation = await callBroker<Explanation>(() => client.post('/admin/explain', body));
    }
    io.stdout.write(json ? `${JSON.stringify(explanation, null, 2)}\n` : explanationText(explanation));
    return 0;
  },
};

function explainRequest(values: FlagValues) {
  const scopes = ((values.scope as string[] | undefined) ?? []).flatMap((s) => s.split(' ')).filter(Boolean);
  const grant = stringFlag(values, 'grant') as (typeof GRANTS)[number] | undefined;
  return {
    agent: stringFlag(values, 'agent') as string,
    audience: stringFlag(values, 'audience') as string,
    intent: stringFlag(values, 'intent'),
    scopes: scopes.length > 0 ? scopes : undefined,
    grant,
    dpop: stringFlag(values, 'dpop') === undefined ? undefined : stringFlag(values, 'dpop') === 'yes',
  };
}

/** The person a delegated request acts for, from --person-scope, --depth and --person-expires-in; undefined without --person-scope. */
function personFacts(values: FlagValues): PersonFacts | undefined {
  const given = values['person-scope'] as string[] | undefined;
  const depthText = stringFlag(values, 'depth');
  const expiresText = stringFlag(values, 'person-expires-in');
  if (given === undefined) {
    if (depthText !== undefined || expiresText !== undefined) throw new UsageError('--depth and --person-expires-in describe a person: give --person-scope too');
    return undefined;
  }
  const facts: PersonFacts = { scopes: given.flatMap((s) => s.split(' ')).filter(Boolean) };
  if (depthText !== undefined) {
    if (!/^[1-9][0-9]?$/.test(depthText)) throw new UsageError('--depth: a whole number from 1');
    facts.depth = Number(depthText);
  }
  if (expiresText !== undefined) {
    try {
      facts.remainingMs = parseDuration(expiresText, { units: ['s', 'm', 'h'] });
    } catch (error) {
      throw new UsageError(`--person-expires-in: ${(error as Error).message}`);
    }
  }
  return facts;
}

function explanationText(e: Explanation): string {
  const head = e.decision === 'issue' && e.grant
    ? `ISSUE: intent ${e.grant.intent}, audience ${e.grant.audience}, scope "${e.grant.scopes.join(' ')}", ${e.grant.ttl_seconds} s\n`
    : `REFUSE: ${e.error ?? ''} (${e.reason ?? ''})\n  ${e.description ?? ''}\n`;
  const caveat = e.suspension_unknown ? 'note: offline, the store\'s suspension is unknown: a suspended agent would be refused\n' : '';
  const steps = formatTable(['STEP', 'OUTCOME', 'DETAIL'], e.steps.map((s) => [s.step, s.outcome, s.detail]));
  const scopes = e.scopes.length ? `\n${formatTable(['SCOPE', 'GRANTED', 'RULE'], e.scopes.map((s) => [s.scope, s.granted, s.rule]))}` : '';
  return `${head}${caveat}agent ${e.agent} at ${e.at} (policy ${e.policy_version.slice(0, 12)})\n\n${steps}${scopes}`;
}
