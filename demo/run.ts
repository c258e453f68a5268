/**
 * npm run demo: the broker, a tool server protected by agent-sts/fastify and an agent using
 * agent-sts/client, each its own process, on the embedded store and a generated policy. It
 * tells what happens at each step and checks it; exit 0 only if every step behaved.
 */
import { rmSync } from 'node:fs';
import { AGENT, INTENT, prepareDemo } from './setup.js';
import { freePort, startBroker, startScripted, stopAll } from './processes.js';
import { story, type Step } from './story.js';

const TIMEOUT_MS = 90_000;

async function main(): Promise<boolean> {
  const [brokerPort, toolPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${brokerPort}`;
  const toolUrl = `http://127.0.0.1:${toolPort}`;
  const setup = await prepareDemo(toolUrl);
  try {
    say(`agent-sts demo: a broker, a tool server and an agent, each its own process (policy and keys in ${setup.dir})`);
    await startBroker(issuer, {
      STS_ISSUER: issuer, STS_HOST: '127.0.0.1', STS_PORT: String(brokerPort), STS_METRICS_PORT: '0',
      STS_POLICY: setup.policyPath, STS_AUDIT_LOG: `${setup.dir}/audit.log`, STS_LOG_LEVEL: 'warn',
    });
    say(`  the broker listens at ${issuer} (embedded store)`);
    const tool = await startScripted('demo/tool-server.ts', { DEMO_ISSUER: issuer, DEMO_TOOL_PORT: String(toolPort) });
    say(`  the tool server listens at ${toolUrl}, its RFC 9728 metadata at ${String(tool.ready.metadata)}`);
    const agent = await startScripted('demo/agent.ts', {
      DEMO_TOOL_URL: toolUrl, DEMO_AGENT: AGENT, DEMO_INTENT: INTENT, DEMO_AGENT_JWK: JSON.stringify(setup.agentJwk),
    });
    say(`  the agent ${AGENT} is running, holding its own private key\n`);
    const operator = async (action: 'suspend' | 'resume') => {
      const response = await fetch(`${issuer}/admin/agents/${AGENT}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${setup.operatorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'demo: checking what the agent did' }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    return await runSteps(story({ issuer, toolUrl, agent, operator }));
  } finally {
    await stopAll();
    rmSync(setup.dir, { recursive: true, force: true });
  }
}

async function runSteps(steps: Step[]): Promise<boolean> {
  for (const [index, step] of steps.entries()) {
    const outcome = await step();
    say(`${index + 1}. ${outcome.told}`);
    if (outcome.failure) {
      say(`   FAILED: ${outcome.failure}`);
      return false;
    }
  }
  say(`\nAll ${steps.length} steps behaved as expected.`);
  return true;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const timer = setTimeout(() => {
  say(`FAILED: the demo did not finish within ${TIMEOUT_MS / 1000} s`);
  void stopAll().finally(() => process.exit(1));
}, TIMEOUT_MS);
main().then(
  (ok) => { clearTimeout(timer); process.exitCode = ok ? 0 : 1; },
  async (error: unknown) => {
    clearTimeout(timer);
    say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exitCode = 1;
  },
);
