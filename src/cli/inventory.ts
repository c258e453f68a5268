/** `agent-sts inventory --policy FILE [--format table|json|csv]`: the offline governance report. */
import { buildInventory, formatInventory, formatProblems, loadPolicyFile, parseIsoDate, type InventoryFormat } from '../policy/index.js';
import { CliFailure, UsageError } from './cli-error.js';
import { instantFlag, stringFlag, type CliCommand } from './command.js';

const FORMATS: InventoryFormat[] = ['table', 'json', 'csv'];

export const inventoryCommand: CliCommand = {
  name: 'inventory',
  summary: 'The governance report from the policy alone (offline): owners, tiers, states, reviews due.',
  usage: '--policy FILE [--format table|json|csv] [--now ISO8601]',
  help: `  --policy FILE   the policy file
  --format F      table (default), json or csv (RFC 4180, safe to open in a spreadsheet)
  --now ISO8601   evaluate reviews at this instant instead of now`,
  options: { policy: { type: 'string' }, format: { type: 'string' }, now: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  validate(values) {
    if (!stringFlag(values, 'policy')) throw new UsageError('--policy FILE is required');
    const format = stringFlag(values, 'format');
    if (format !== undefined && !FORMATS.includes(format as InventoryFormat)) throw new UsageError(`--format: one of ${FORMATS.join(', ')}`);
    instantFlag(values, 'now', parseIsoDate);
  },
  async run({ values, io, json, nowMs }) {
    const now = instantFlag(values, 'now', parseIsoDate) ?? nowMs;
    const { compiled, problems } = await loadPolicyFile(stringFlag(values, 'policy') as string, { nowMs: now });
    if (!compiled) throw new CliFailure('policy_invalid', `the policy has errors:\n${formatProblems(problems)}`);
    const format = json ? 'json' : ((stringFlag(values, 'format') ?? 'table') as InventoryFormat);
    io.stdout.write(formatInventory(buildInventory(compiled, now), format));
    return 0;
  },
};
