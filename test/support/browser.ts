import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

const root = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the browser tests leave their screenshots (not committed; the README's pictures are copied from here). */
export const ARTIFACTS = join(root, 'test-artifacts', 'web');
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_SERVICES === '1') {
  throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
}
if (!haveChromium)
  console.warn(`NOTICE: browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).`);
/** `describe` where Debian's Chromium is installed; a skip with a printed reason elsewhere (outside CI). */
export const describeWithBrowser = haveChromium ? describe : describe.skip;

/** The built pages and a headless Chromium, for one test file. */
export interface Pages {
  /** The folder the pages were built into (the servers' WEB_APP_DIR). */
  readonly dir: string;
  readonly browser: Browser;
  /** A new browser profile (closed after the test) on `device`. */
  context(device?: object): Promise<BrowserContext>;
  /** A new browser profile on `url`, signed in with `token` (a device of the token's user). */
  openWithToken(url: string, token: string, device?: object): Promise<Page>;
}

/**
 * Builds the web pages as `npm run build` does, into a folder of this file's own (named at once: the servers'
 * options take it; built before them), and launches Chromium before the file's tests; closes both after them.
 */
export function useBuiltPages(): Pages {
  const dir = mkdtempSync(join(tmpdir(), 'chat-web-'));
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    await promisify(execFile)(
      join(root, 'node_modules', '.bin', 'vite'),
      ['build', '--config', 'web/vite.config.mts', '--outDir', dir, '--emptyOutDir'],
      { cwd: root },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const pages: Pages = {
    dir,
    get browser() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser;
    },
    async context(device = DESKTOP) {
      const context = await pages.browser.newContext(device);
      contexts.push(context);
      return context;
    },
    async openWithToken(url, token, device = DESKTOP) {
      const page = await (await pages.context(device)).newPage();
      // Runs in the page, where localStorage exists (the test's own types are Node's).
      await page.addInitScript(
        (value) =>
          (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
            'chat.token',
            value,
          ),
        token,
      );
      await page.goto(url);
      return page;
    },
  };
  return pages;
}

/** Waits until one of `locator`'s elements holds `text`, and checks the first one does. */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
  expect(await locator.first().innerText()).toContain(text);
}
