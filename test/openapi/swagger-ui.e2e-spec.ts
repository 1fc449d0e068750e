import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { useTestApp } from '../support/session.js';

/** Debian's package (.ci/run installs it where it is missing). */
const CHROMIUM = '/usr/bin/chromium';
/** Headless, and nothing that reaches out on its own: the machine's network refuses it. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Each step (a page load, an answer to Execute) within this. */
const STEP_MS = 30_000;
/** Each test, several steps on a machine that may be busy. */
const TEST_MS = 120_000;
const REPORTS = join(process.cwd(), 'reports');

/**
 * A newcomer's first session in Swagger UI at /docs, in a real browser: "Try it out" with the
 * examples as shown, in order (create the organization, log in, Authorize, add and list records),
 * works without editing a field. Asserts on what the page shows: the live response's status and
 * body. The examples are fixed (`Acme Corp`), so this needs the suite's own databases.
 */
describe('Swagger UI, tried out in a browser (e2e)', () => {
  const t = useTestApp();

  // Hooks of this inner block: the browser closes before the session closes the app.
  describe('the examples in order', () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      // In-process, on a real port the browser can reach (the session's supertest uses the same server).
      await t.app.listen(0, '127.0.0.1');
      if (!existsSync(CHROMIUM)) throw new Error(`No browser at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`);
      // A fresh profile in a temporary directory of Playwright's own, removed on close.
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: STEP_MS });
      page = await browser.newPage();
      page.setDefaultTimeout(STEP_MS);
      await page.goto(`${await t.app.getUrl()}/docs`, { waitUntil: 'domcontentloaded' });
      await page.locator('.swagger-ui .information-container').waitFor();
    }, TEST_MS);

    afterAll(async () => {
      await browser?.close();
    });

    /** Runs a test's steps; on failure, leaves a screenshot of the page in reports/swagger-ui-<test>.png. */
    async function step<T>(run: () => Promise<T>): Promise<T> {
      try {
        return await run();
      } catch (error) {
        const name = (expect.getState().currentTestName ?? 'failure').replace(/[^A-Za-z0-9]+/g, '-');
        await mkdir(REPORTS, { recursive: true });
        await page?.screenshot({ path: join(REPORTS, `swagger-ui-${name}.png`) }).catch(() => undefined);
        throw error;
      }
    }

    /** Expands an operation, clicks "Try it out" and "Execute" without touching its example, and reads the live response. */
    async function tryOut(tag: string, operationId: string): Promise<{ status: number; body: any }> {
      const operation = page.locator(`#operations-${tag}-${operationId}`);
      await operation.locator('.opblock-summary').first().click();
      await operation.locator('.try-out__btn').click();
      await operation.locator('.btn.execute').click();
      // The server's answer (the table appears once it has arrived; its header row says "Code").
      const live = operation.locator('.live-responses-table tbody tr.response');
      await live.waitFor();
      const status = Number((await live.locator('.response-col_status').innerText()).trim());
      // Left expanded: a screenshot of a failure shows the answer.
      return { status, body: await responseBody(live) };
    }

    async function responseBody(live: Locator): Promise<any> {
      const text = (await live.locator('.response-col_description .highlight-code pre').first().innerText()).trim();
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }

    let organizationId: string;

    it(
      'POST /org/create with its example creates Acme Corp (201)',
      () =>
        step(async () => {
          const { status, body } = await tryOut('organizations', 'createOrganization');
          expect(status).toBe(201);
          expect(body).toMatchObject({ organization_name: 'Acme Corp', slug: 'acme_corp', status: 'active' });
          expect(body.id).toMatch(/^[0-9a-f]{24}$/);
          organizationId = body.id;
          expect(JSON.stringify(body)).not.toMatch(/password/i);
          const named = await t.db.master.collection('organizations').countDocuments({ name: 'Acme Corp' });
          expect(named).toBe(1);
        }),
      TEST_MS,
    );

    it(
      'POST /admin/login with its example answers a token, which Authorize takes for the bearer scheme',
      () =>
        step(async () => {
          const { status, body } = await tryOut('auth', 'login');
          expect(status).toBe(200);
          expect(body).toMatchObject({ token_type: 'bearer', org_id: organizationId, role: 'owner' });
          expect(typeof body.access_token).toBe('string');

          await page.locator('.scheme-container .btn.authorize').click();
          const dialog = page.locator('.dialog-ux .modal-ux');
          await dialog.waitFor();
          // The member scheme ("bearer"), not the operator key's.
          const scheme = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: /^\s*bearer\b/ }) });
          await expect(scheme.count()).resolves.toBe(1);
          await scheme.locator('input').fill(body.access_token);
          await scheme.locator('button.authorize').click();
          // Authorized: the scheme now says so, masks the token and offers Logout instead of its input.
          await scheme.locator('h6', { hasText: 'Authorized' }).waitFor();
          await scheme.getByRole('button', { name: 'Remove authorization' }).waitFor();
          await dialog.locator('.close-modal').click();
          await dialog.waitFor({ state: 'detached' });
          await page.locator('.scheme-container .btn.authorize.locked').waitFor();
        }),
      TEST_MS,
    );

    it(
      'POST /org/records and then GET /org/records with their examples, through Authorize',
      () =>
        step(async () => {
          const created = await tryOut('records', 'createRecord');
          expect(created.status).toBe(201);
          expect(created.body).toMatchObject({ data: { sku: 'A-1', qty: 3 } });

          const listed = await tryOut('records', 'listRecords');
          expect(listed.status).toBe(200);
          expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, data: { sku: 'A-1', qty: 3 } })]);
        }),
      TEST_MS,
    );
  });
});
