/** `agent-sts inventory --policy FILE [--format table|json|csv]`: the offline governance report. */
import { parseArgs } from 'node:util';
import { buildInventory, formatInventory, formatProblems, loadPolicyFile, type InventoryFormat } from '../policy/index.js';
import type { CliIo } from './io.js';

const FORMATS: InventoryFormat[] = ['table', 'json', 'csv'];

export async function runInventory(argv: string[], io: CliIo, nowMs: number = Date.now()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { policy: { type: 'string' }, format: { type: 'string', default: 'table' }, now: { type: 'string' } },
  });
  const format = values.format as InventoryFormat;
  if (!values.policy || !FORMATS.includes(format)) {
    io.stderr.write('usage: agent-sts inventory --policy FILE [--format table|json|csv]\n');
    return 2;
  }
  const now = values.now ? Date.parse(values.now) : nowMs;
  const { compiled, problems } = await loadPolicyFile(values.policy, { nowMs: now });
  if (!compiled) {
    io.stderr.write(`${formatProblems(problems)}\n`);
    return 1;
  }
  io.stdout.write(formatInventory(buildInventory(compiled, now), format));
  return 0;
}
