/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser of its own).
 * `.ci/run` installs the `chromium` package; without it these tests fail under CI=true and
 * skip with a message elsewhere. The browser runs in its own process group (playwright starts
 * it detached); closing waits for every process of that group, crash handlers included, and
 * kills what is left after a few seconds.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserServer } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumMissing = !existsSync(CHROMIUM_PATH);
/** CI must run the browser tests; a developer without Chromium gets a skip and a message. */
export const mustRunBrowserTests = process.env.CI === "true" || process.env.CI === "1";

const FLAGS = [
  "--no-sandbox", // we run as root in CI
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  // The machine has no network: without these Chromium keeps trying Google's hosts.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function launchChromium(): Promise<LaunchedBrowser> {
  const server: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  const pgid = server.process().pid!;
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      const deadline = Date.now() + 5000;
      while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pgid)) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    },
  };
}
