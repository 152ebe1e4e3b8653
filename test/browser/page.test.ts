/**
 * The results page in a real browser (Debian's Chromium via playwright-core) against a real
 * gateway: the key gate (a wrong key is refused in words), a stereo call submitted through the
 * page and analysed for real, its timeline checked against the API's own result, a click on a
 * segment seeking the player, files the page or the server refuses (unsupported, damaged,
 * undecodable), the list and its pages, open mode, and the Content-Security-Policy (nothing
 * blocked, nothing fetched from elsewhere). Screenshots go to .ci/out/screenshots/;
 * UPDATE_DOCS_SCREENSHOT=1 also refreshes docs/img/results-page.png for the README.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWavHeader } from "../../src/analysis/audio/wav.js";
import { pcm16WavHeader } from "../../src/analysis/transcription/wav.js";
import { WEB_DIR } from "../../src/http/routes/web.js";
import type { Gateway } from "../../src/server.js";
import { GetAnalysisDocument, SubmitAnalysisDocument } from "../generated/graphql.js";
import { fixture } from "../helpers/audio.js";
import { startTestGateway } from "../helpers/gateway.js";
import { gql } from "../helpers/graphql-client.js";
import { CHROMIUM_PATH, chromiumMissing, launchChromium, mustRunBrowserTests, type LaunchedBrowser } from "./browser.js";

// Callbacks given to page.evaluate & co. run inside Chromium. The project is type-checked
// without the DOM library (its types clash with Node's), so the few page globals they use are
// declared here, loosely, for this file only.
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number };
  querySelector(selector: string): PageElement | null;
}
interface PageAudio extends PageElement {
  readyState: number;
  duration: number;
  currentTime: number;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number } };
declare const window: { __progress?: string[] };
declare const sessionStorage: { getItem(key: string): string | null };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };

const KEY = "page-test-key-0123456789";
const SHOTS = fileURLToPath(new URL("../../.ci/out/screenshots/", import.meta.url));
const DOCS_SHOT = fileURLToPath(new URL("../../docs/img/results-page.png", import.meta.url));

if (chromiumMissing && !mustRunBrowserTests) {
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium; CI installs it and fails without it)`);
}

// In CI a missing browser is a failure that counts, not a skip.
if (chromiumMissing && mustRunBrowserTests) {
  it("has Chromium to run the results page tests (CI)", () => {
    throw new Error(`Chromium is required in CI but ${CHROMIUM_PATH} is missing: .ci/run installs the chromium package`);
  });
}

describe.skipIf(chromiumMissing)("results page in Chromium", () => {
  let gw: Gateway;
  let open: Gateway;
  let chrome: LaunchedBrowser;
  let tmp: string;
  /** Problems any page of the run reported: CSP violations, script errors, requests elsewhere. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIR, "index.html"))) throw new Error(`the page is not built (${WEB_DIR}): run npm run build (npm test does)`);
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), "iag-page-"));
    [gw, open, chrome] = await Promise.all([
      // TRANSCRIBER=auto: with pocketsphinx installed (CI installs it) segments carry text
      startTestGateway({ API_KEYS: KEY, TRANSCRIBER: "auto" }),
      startTestGateway({ TRANSCRIBER: "none" }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await chrome?.close();
    await Promise.all([gw?.close(), open?.close()]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function newPage(base: string): Promise<Page> {
    const context = await chrome.browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const origin = new URL(base).origin;
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith(origin.replace(/^http/, "ws")) && !u.startsWith("blob:") && !u.startsWith("data:")) problems.push(`request elsewhere: ${u}`);
    });
    return page;
  }

  const enterKey = async (page: Page, key: string) => {
    await page.fill('input[name="apiKey"]', key);
    await page.click('.key-form button[type="submit"]');
  };

  const file = (name: string, bytes: Buffer) => {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    return path;
  };

  it("serves the page at / with a CSP that allows nothing external", async () => {
    const res = await fetch(`${gw.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self' blob:");
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\//);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from another host
    // Sandbox stays at /graphql
    const sandbox = await fetch(`${gw.url}/graphql`, { headers: { accept: "text/html" } });
    expect(sandbox.status).toBe(200);
    expect(await sandbox.text()).toMatch(/sandbox|apollo/i);
  });

  it("refuses a wrong key in words, then accepts the right one", async () => {
    const page = await newPage(gw.url);
    await page.goto(gw.url);
    await page.waitForSelector('input[name="apiKey"]');
    await enterKey(page, "wrong-key-0123456789");
    const alert = page.locator('.error[role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain("The API key was not accepted");
    await page.screenshot({ path: join(SHOTS, "wrong-key.png") });
    await enterKey(page, KEY);
    await page.waitForSelector(".submit-form");
    expect(await page.evaluate(() => sessionStorage.getItem("iag.apiKey"))).toBe(KEY);
    // kept for the tab: a reload goes straight to the page
    await page.reload();
    await page.waitForSelector(".submit-form");
    await page.context().close();
  });

  it("submits the stereo call, shows its timeline as the API returns it, and seeks the player on a click", async () => {
    const page = await newPage(gw.url);
    await page.addInitScript(() => {
      // record every progress line the page shows while the job runs
      const seen: string[] = (window.__progress = []);
      new MutationObserver(() => {
        const t = document.querySelector(".progress-line")?.textContent;
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(gw.url);
    await enterKey(page, KEY);
    await page.setInputFiles('input[type="file"]', fileURLToPath(fixture("stereo-call.wav")));
    await page.waitForSelector(".chosen");
    expect(await page.textContent(".chosen")).toContain("WAV, 8000 Hz, stereo");
    expect(await page.isChecked('input[name="separateSpeakerPerChannel"]')).toBe(true); // stereo → one speaker per channel
    await page.click('.submit-form button[type="submit"]');
    await page.waitForURL(/#\/analysis\/.+/);
    const requestId = decodeURIComponent(new URL(page.url()).hash.replace("#/analysis/", ""));
    await page.waitForSelector("svg.timeline .segment", { timeout: 60_000 });

    const progress = await page.evaluate(() => window.__progress ?? []);
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^(Waiting for a worker|Stage: [\w -]+) — \d+ %$/);

    // the API's own result for the same job
    const api = await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY });
    const r = api.data!.analysis!.result!;
    expect(api.data!.analysis!.status).toBe("COMPLETED");
    expect(r.numSpeakers).toBe(2);

    const lanes = await page.$$eval("svg.timeline .lane", (els) => els.map((e) => e.getAttribute("data-speaker")));
    expect(lanes.sort()).toEqual([...new Set(r.segments.map((s) => s.speakerId))].sort());
    const segments = await page.$$eval("svg.timeline .segment", (els) =>
      els.map((e) => ({ speaker: e.getAttribute("data-speaker"), start: Number(e.getAttribute("data-start")), end: Number(e.getAttribute("data-end")) })),
    );
    expect(segments).toHaveLength(r.segments.length);
    expect(segments).toEqual(r.segments.map((s) => ({ speaker: s.speakerId, start: s.start, end: s.end })));
    // each segment sits in its speaker's lane
    const misplaced = await page.$$eval("svg.timeline .segment", (els) =>
      els.filter((e) => {
        const lane = document.querySelector(`svg.timeline .lane[data-speaker="${e.getAttribute("data-speaker")}"] rect`)!.getBoundingClientRect();
        const bar = e.querySelector("rect")!.getBoundingClientRect();
        return bar.top < lane.top || bar.bottom > lane.bottom;
      }).length,
    );
    expect(misplaced).toBe(0);
    const interruptions = await page.$$eval("svg.timeline .interruption", (els) =>
      els.map((e) => ({ from: e.getAttribute("data-speaker"), to: e.getAttribute("data-interrupted"), start: Number(e.getAttribute("data-start")) })),
    );
    expect(interruptions).toEqual((r.interruptions ?? []).map((i) => ({ from: i.speakerId, to: i.interruptedSpeakerId, start: i.start })));
    expect(interruptions.length).toBeGreaterThan(0);
    expect(await page.locator("svg.timeline .overlap").count()).toBeGreaterThan(0); // the interruption overlaps
    expect(await page.locator("svg.timeline .silence").count()).toBe(r.silence?.instances.length ?? 0);

    // per-speaker cards
    const cards = await page.$$eval(".card", (els) => els.map((e) => e.getAttribute("data-speaker")));
    expect(cards.sort()).toEqual(["0", "1"]);
    const card0 = await page.textContent('.card[data-speaker="0"]');
    for (const label of ["Talk share", "Talk-to-listen", "Energy", "Pace", "Tone", "Questions", "Interruptions made", "Interruptions received", "Longest monologue"]) {
      expect(card0).toContain(label);
    }
    const received = await page.textContent('.card[data-speaker="0"] [data-field="Interruptions received"] dd');
    expect(received).toBe(String(r.speakers.find((s) => s.speakerId === "0")!.interruptionsReceived));

    // the transcript: a line per segment with text, or says there is none
    const withText = r.segments.filter((s) => s.text?.trim());
    const lines = await page.$$eval(".transcript li", (els) => els.map((e) => [e.getAttribute("data-speaker"), Number(e.getAttribute("data-start"))]));
    expect(lines).toEqual(withText.map((s) => [s.speakerId, s.start]));
    if (withText.length === 0) expect(await page.textContent("body")).toContain("No transcript");

    // the player has the submitted audio; a click on a segment seeks it to the segment's start
    await page.waitForFunction(() => ((document.querySelector("audio.player") as PageAudio | null)?.readyState ?? 0) >= 1, undefined, { timeout: 20_000 });
    const audioDuration = await page.$eval("audio.player", (a) => (a as unknown as PageAudio).duration);
    expect(audioDuration).toBeCloseTo(15.197, 1);
    const target = r.segments.findIndex((s) => !(r.interruptions ?? []).some((i) => i.start >= s.start && i.start <= s.end) && s.start > 1);
    await page.locator("svg.timeline .segment").nth(target).click();
    await page.waitForFunction((t) => Math.abs((document.querySelector("audio.player") as PageAudio).currentTime - t) < 0.05, r.segments[target]!.start);
    // the playhead follows (it redraws on the player's events, a frame or so later)
    await page.waitForFunction(
      (t) => Math.abs(Number(document.querySelector("svg.timeline .playhead")!.getAttribute("data-time")) - t) < 0.05,
      r.segments[target]!.start,
      { timeout: 5000 },
    );

    // download as JSON: the same analysis
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download JSON")]);
    await download.saveAs(join(tmp, "download.json"));
    expect(download.suggestedFilename()).toBe(`analysis-${requestId}.json`);
    const saved = JSON.parse(readFileSync(join(tmp, "download.json"), "utf8"));
    expect(saved.requestId).toBe(requestId);
    expect(saved.result.segments).toHaveLength(r.segments.length);

    await page.screenshot({ path: join(SHOTS, "results-page.png"), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
      mkdirSync(dirname(DOCS_SHOT), { recursive: true });
      copyFileSync(join(SHOTS, "results-page.png"), DOCS_SHOT);
    }

    // the list shows it; a click opens it
    await page.click("text=← All analyses");
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("COMPLETED");
    const cells = await row.locator("td").allTextContents();
    expect(cells[2]).toBe("0:15"); // duration
    expect(cells[3]).toBe("2"); // speakers
    await page.screenshot({ path: join(SHOTS, "list.png"), fullPage: true });
    await row.click();
    await page.waitForSelector(`.result[data-request-id="${requestId}"]`);
    await page.context().close();
  });

  it("a minute-long stereo call: one lane per speaker and as many segments as the API returns", async () => {
    // the fixture's samples four times over: 61 s of a two-channel call
    const wav = readFileSync(fixture("stereo-call.wav"));
    const h = parseWavHeader(wav);
    expect(h.channels).toBe(2);
    const data = wav.subarray(h.dataOffset, h.dataOffset + h.dataLength);
    const long = Buffer.concat([pcm16WavHeader(data.length * 4, h.sampleRate, 2), data, data, data, data]);
    const page = await newPage(gw.url);
    await page.goto(gw.url);
    await enterKey(page, KEY);
    await page.setInputFiles('input[type="file"]', file("minute-call.wav", long));
    await page.waitForSelector(".chosen");
    await page.click('.submit-form button[type="submit"]');
    await page.waitForURL(/#\/analysis\/.+/);
    const requestId = decodeURIComponent(new URL(page.url()).hash.replace("#/analysis/", ""));
    await page.waitForSelector("svg.timeline .segment", { timeout: 60_000 });
    const r = (await gql(gw.url, GetAnalysisDocument, { requestId }, { apiKey: KEY })).data!.analysis!.result!;
    expect(r.numSpeakers).toBe(2);
    expect(await page.locator("svg.timeline .lane").count()).toBe(2);
    const segments = await page.$$eval("svg.timeline .segment", (els) => els.map((e) => [e.getAttribute("data-speaker"), Number(e.getAttribute("data-start"))]));
    expect(segments).toEqual(r.segments.map((s) => [s.speakerId, s.start]));
    expect(segments.length).toBeGreaterThanOrEqual(20); // 4 × the 6 turns, give or take a merge
    await page.waitForFunction(() => ((document.querySelector("audio.player") as PageAudio | null)?.readyState ?? 0) >= 1, undefined, { timeout: 20_000 });
    const last = r.segments.length - 1;
    await page.locator("svg.timeline .segment").nth(last).click();
    await page.waitForFunction((t) => Math.abs((document.querySelector("audio.player") as PageAudio).currentTime - t) < 0.05, r.segments[last]!.start);
    await page.screenshot({ path: join(SHOTS, "minute-call.png"), fullPage: true });

    // zoomed in 4×: four times as wide, scrolled sideways, segments still seek
    await page.click('.zoom button:text-is("4×")');
    const [scroll, client] = await page.$eval(".timeline-scroll", (el) => [(el as unknown as { scrollWidth: number }).scrollWidth, (el as unknown as { clientWidth: number }).clientWidth]);
    expect(scroll).toBeGreaterThan(client * 3.5);
    await page.locator("svg.timeline .segment").nth(5).click();
    await page.waitForFunction((t) => Math.abs((document.querySelector("audio.player") as PageAudio).currentTime - t) < 0.05, r.segments[5]!.start);
    await page.context().close();
  });

  it("says what is wrong with an unsupported, a damaged and an undecodable file", async () => {
    const page = await newPage(gw.url);
    await page.goto(gw.url);
    await enterKey(page, KEY);
    await page.waitForSelector(".submit-form");
    const alert = page.locator('.submit-form .error[role="alert"]');

    await page.setInputFiles('input[type="file"]', file("notes.txt", Buffer.from("these are meeting notes, not audio\n")));
    expect(await alert.textContent()).toContain("“notes.txt” is not an audio file this service can read");

    // a WAV whose data chunk claims more bytes than the file has: refused before sending
    const wav = readFileSync(fixture("stereo-call.wav"));
    await page.setInputFiles('input[type="file"]', file("cut.wav", wav.subarray(0, 2000)));
    expect(await alert.textContent()).toMatch(/“cut\.wav” looks like a WAV file but is damaged: truncated WAV/);
    await page.screenshot({ path: join(SHOTS, "damaged-file.png") });

    // a FLAC cut in half: its header reads fine, the server cannot decode it → the job fails, in words
    const flac = readFileSync(fixture("speech-16k.flac"));
    await page.setInputFiles('input[type="file"]', file("half.flac", flac.subarray(0, Math.floor(flac.length / 2))));
    await page.waitForSelector(".chosen");
    await page.click('.submit-form button[type="submit"]');
    const failed = page.locator('.error[data-error-type="audio_decode_error"]');
    await failed.waitFor({ timeout: 30_000 });
    const text = await failed.textContent();
    expect(text).toContain("The audio could not be decoded: the file is corrupt, truncated, or not in the format it claims to be.");
    expect(text).toMatch(/Details from the server: .*FLAC/);
    await page.screenshot({ path: join(SHOTS, "corrupt-file.png") });
    await page.context().close();
  });

  it("needs no key on an open server, and pages through the list", async () => {
    // 12 jobs of undecodable audio fail at once: enough for two pages of 10
    const bad = Buffer.from("RIFF....WAVEnot really").toString("base64");
    for (let i = 0; i < 12; i++) {
      const s = await gql(open.url, SubmitAnalysisDocument, { input: { content: bad, encoding: "WAV", sampleRate: 8000, requestId: `page-list-${i}` } });
      expect(s.errors).toBeUndefined();
    }
    const page = await newPage(open.url);
    await page.goto(open.url);
    await page.waitForSelector(".submit-form");
    expect(await page.locator('input[name="apiKey"]').count()).toBe(0);
    expect(await page.textContent(".key-status")).toContain("open server");
    await page.waitForSelector("table.analyses tbody tr");
    await page.waitForFunction(() => document.querySelectorAll('table.analyses tr[data-status="FAILED"]').length === 10, undefined, { timeout: 30_000 });
    const first = await page.$$eval("table.analyses tbody tr", (els) => els.map((e) => e.getAttribute("data-request-id")));
    expect(first).toHaveLength(10);
    await page.click("text=Older →");
    await page.waitForFunction(() => document.querySelectorAll("table.analyses tbody tr").length === 2);
    const second = await page.$$eval("table.analyses tbody tr", (els) => els.map((e) => e.getAttribute("data-request-id")));
    expect(new Set([...first, ...second]).size).toBe(12);
    await page.click("text=← Newer");
    await page.waitForFunction(() => document.querySelectorAll("table.analyses tbody tr").length === 10);
    await page.context().close();
  });

  it("ran without a blocked resource, a script error or a request to another host", () => {
    expect(problems).toEqual([]);
  });
});
