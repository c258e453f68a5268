/**
 * The console in a real headless Chromium (Debian's package, driven by playwright-core; no
 * browser is ever downloaded): sign-in, inventory filters, suspend with a reason and the
 * agent refused at /oauth/token, CSRF refused, sign-out, an auditor who cannot suspend.
 * CONSOLE_SCREENSHOT=path also saves a screenshot of the inventory (docs/console-inventory.png).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { agentDoc } from '../helpers/broker.js';
import { consoleBroker, consolePolicy, KEYS } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  // Loud on purpose: CI installs it (.ci/run); a developer needs the same.
  throw new Error(`Chromium not found at ${CHROMIUM}: the console's browser test needs it. Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
}

// An inventory with one agent per state and flag.
const broker = await consoleBroker({
  policy: consolePolicy([
    agentDoc('billing-reconciler', { tier: 'transactional', intents: [{ name: 'reconcile', audience: 'https://billing.test', scopes: ['invoices:read', 'invoices:write'] }] }),
    agentDoc('kb-indexer', { approved_by: undefined }),
    agentDoc('report-writer', { reviewed_at: '2026-03-01' }),
    agentDoc('deploy-helper', { reviewed_at: '2026-05-10' }),
    agentDoc('legacy-exporter', { status: 'retired' }),
  ]),
});
t.teardown(broker.close);
const base = await broker.app.listen({ port: 0, host: '127.0.0.1' });
// A little traffic, so the live chart and the activity columns have something to show.
for (let i = 0; i < 3; i++) await broker.exchange(await broker.attest());
await broker.exchange(await broker.attest(), { scope: 'tickets:write' });

const profile = mkdtempSync(join(tmpdir(), 'sts-chromium-'));
const context: BrowserContext = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
t.teardown(async () => {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});
const page: Page = context.pages()[0] ?? (await context.newPage());
const cspViolations: string[] = [];
page.on('console', (m) => { if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text()); });
// What a page links to (script, stylesheet, icon) is always there. Playwright does not report
// the browser's own /favicon.ico request: the icon test below checks that a page names its icon.
const failedSubresources: string[] = [];
page.on('response', (r) => { if (r.request().resourceType() !== 'document' && r.status() >= 400) failedSubresources.push(`${r.status()} ${r.url()}`); });

async function signIn(key: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.fill('#credential', key);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/console/inventory`);
}

t.test('sign-in with an operator key', async (t) => {
  await page.goto(`${base}/console/inventory`);
  t.equal(new URL(page.url()).pathname, '/console/sign-in', 'signed out: the sign-in page');
  await signIn(KEYS.operator);
  t.equal(await page.textContent('h1'), 'Agents');
  t.match(await page.textContent('header .who'), /carol@example\.com \(operator\)/);
  const cookies = await context.cookies(`${base}/console/inventory`);
  // The broker's issuer is https (as behind a TLS proxy): Secure with the __Host- prefix, kept by the browser.
  t.match(cookies.find((c) => c.name === '__Host-sts_console'), { httpOnly: true, sameSite: 'Strict', secure: true, path: '/' }, 'Secure, __Host-');
  t.ok(await page.isVisible('#live-activity svg'), 'the live chart');
  t.match(await page.textContent('#live-activity .legend'), /4 issued|3 issued/);
});

t.test('inventory filters find the orphaned agent, and its page says why it is refused', async (t) => {
  await page.check('input[name=orphaned]');
  await page.click('form.filters button[type=submit]');
  await page.waitForURL(/orphaned=true/);
  t.same(await page.$$eval('#inventory tbody tr', (rows) => rows.map((r) => r.getAttribute('data-agent'))), ['orphan-bot']);
  await page.click('text=orphan-bot');
  t.match(await page.textContent('#refusal'), /Refused: it is orphaned: its owner is missing or inactive/);
  await page.goto(`${base}/console/inventory`);
  await page.fill('#filter-q', 'orphan');
  const visible = await page.$$eval('#inventory tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute('data-agent')));
  t.same(visible, ['orphan-bot'], 'the search filters as you type (the script runs under the CSP)');
  if (process.env.CONSOLE_SCREENSHOT) {
    await page.fill('#filter-q', '');
    await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT, fullPage: true });
  }
});

t.test('suspend with a reason: the agent is refused at /oauth/token', async (t) => {
  t.equal((await broker.exchange(await broker.attest())).statusCode, 200, 'issued before');
  await page.goto(`${base}/console/agents/ticket-summarizer`);
  await page.click('text=Suspend…');
  await page.fill('#reason', 'investigating unusual volume');
  await page.check('input[name=confirm]');
  await page.click('button.danger');
  await page.waitForURL(/done=suspend/);
  t.match(await page.textContent('[role=status]'), /Suspended/);
  t.match(await page.textContent('#refusal'), /it is suspended \(investigating unusual volume\)/);
  const refused = await broker.exchange(await broker.attest());
  t.equal(refused.statusCode, 400);
  t.match(refused.json().error_description, /suspended by an operator/);
});

t.test('a forged CSRF token is refused and changes nothing', async (t) => {
  await page.goto(`${base}/console/agents/ticket-summarizer/revoke`);
  await page.fill('#reason', 'forged');
  await page.check('input[name=confirm]');
  await page.$eval('main form input[name=_csrf]', (input) => { (input as HTMLInputElement).value = 'forged-token'; });
  await page.click('button.danger');
  await page.waitForLoadState();
  t.match(await page.textContent('main'), /cross-site request refused/);
  t.equal((await broker.store.getAgentControl('ticket-summarizer')).revokedBeforeMs, null, 'not revoked');
});

t.test('sign-out ends the session; the old cookie no longer works', async (t) => {
  const before = await context.cookies(`${base}/console/inventory`);
  await page.click('header form button');
  await page.waitForURL(/sign-in\?signed_out=1/);
  await page.goto(`${base}/console/inventory`);
  t.equal(new URL(page.url()).pathname, '/console/sign-in');
  await context.addCookies(before);
  await page.goto(`${base}/console/inventory`);
  t.equal(new URL(page.url()).pathname, '/console/sign-in', 'the replayed cookie was revoked at sign-out');
});

t.test('an auditor reads but cannot resume or suspend', async (t) => {
  await signIn(KEYS.auditor);
  await page.goto(`${base}/console/agents/ticket-summarizer`);
  t.equal(await page.locator('text=Resume…').count(), 0, 'no action buttons');
  t.match(await page.textContent('#actions'), /Auditors read only/);
  const response = await page.goto(`${base}/console/agents/ticket-summarizer/resume`);
  t.equal(response?.status(), 403);
  t.match(await page.textContent('main'), /needs the operator role/);
  t.ok((await broker.store.getAgentControl('ticket-summarizer')).suspended, 'still suspended');
  t.same(cspViolations, [], 'no Content-Security-Policy violation on any page');
  t.same(failedSubresources, [], 'no page asked for a file the console does not have');
});

t.test('the tab icon is served from the console itself', async (t) => {
  const href = await page.getAttribute('link[rel=icon]', 'href');
  t.match(href, /^\/console\/assets\/favicon\.[0-9a-f]{16}\.svg$/);
  const icon = await page.request.get(`${base}${href}`);
  t.equal(icon.status(), 200);
  t.equal(icon.headers()['content-type'], 'image/svg+xml');
});
