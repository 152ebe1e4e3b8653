/**
 * `npm run bench [-- --hours 1,4] [--cases mono16k,stereo8k] [--source file|buffer] [--keep]`:
 * speed (× real time) per pipeline stage and peak memory on long inputs built by concatenating
 * the real speech in ../shared/eval (skipped, saying so, when it is absent). Cases: mono 16 kHz
 * and stereo 8 kHz (one party per channel, alternating), 1 hour and 4 hours, each analysed in
 * its own child process (transcription off) that reports its stage timings, the scan stage's
 * parts, and its peak resident memory (getrusage maxRSS). Cases run one after another.
 *
 * `--source file` (default) measures the file-backed path (analyzeFileDetailed: WAV read from
 * disk chunk by chunk, as the CLI does); `--source buffer` reads the whole file into memory
 * first and calls analyzeDetailed, as the HTTP API does (the input bytes then count in the peak).
 *
 * Prints a table and writes bench/out/results.json.
 * Targets: whole pipeline >= 100× real time on one core, < 1 GiB peak for 4 hours.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resampleAll } from "../src/analysis/diarization/io.js";
import { clips, SHARED, writeSpeechWav } from "./input.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

interface CaseResult {
  source: string;
  audioSeconds: number;
  totalSeconds: number;
  readSeconds: number;
  timings: { stage: string; seconds: number }[];
  scanParts: { decode: number; resample: number; vad: number; features: number; store: number; vadSkippedSeconds: number };
  mode: string;
  numSpeakers: number;
  segments: number;
  maxRssBytes: number;
  cpuSeconds: number;
}

const TARGET_SPEED = 100;
const TARGET_MIB = 1024;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const hours = (opt("--hours") ?? "1,4").split(",").map(Number);
  const cases = (opt("--cases") ?? "mono16k,stereo8k").split(",") as ("mono16k" | "stereo8k")[];
  const source = opt("--source") ?? "file";
  if (source !== "file" && source !== "buffer") throw new Error("--source is file or buffer");
  if (!existsSync(SHARED)) {
    console.log(`bench skipped: ${SHARED} (real speech to concatenate) not found`);
    return;
  }
  const c16 = await clips();
  const c8 = c16.map((c) => resampleAll(c, 16000, 8000));
  const dir = mkdtempSync(join(tmpdir(), "ia-bench-"));
  const require = createRequire(join(root, "package.json"));
  const tsxCli = join(dirname(require.resolve("tsx/package.json")), "dist", "cli.mjs");
  console.log(`${c16.length} clips, ${(c16.reduce((a, c) => a + c.length, 0) / 16000 / 60).toFixed(1)} min of real speech; inputs in ${dir}; source: ${source}`);
  const results: (CaseResult & { kind: string; hours: number; load1Before: number; error?: string })[] = [];
  const x = (audio: number, s: number) => (s > 0 ? audio / s : Infinity);
  const fx = (v: number) => (v === Infinity ? "∞" : v >= 10000 ? `${(v / 1000).toFixed(0)}k×` : `${v.toFixed(0)}×`);
  for (const h of hours) {
    for (const kind of cases) {
      const rate = kind === "mono16k" ? 16000 : 8000;
      const cs = kind === "mono16k" ? c16 : c8;
      const path = join(dir, `${kind}-${h}h.wav`);
      const nch = kind === "mono16k" ? 1 : 2;
      writeSpeechWav(path, cs, rate, nch, h * 3600);
      const load1Before = loadavg()[0]!;
      const r = spawnSync(process.execPath, ["--max-old-space-size=4096", tsxCli, join(here, "case.ts"), path, nch === 2 ? "1" : "0", source], { encoding: "utf8", env: { ...process.env, TRANSCRIBER: "none" }, maxBuffer: 1 << 24 });
      if (!args.includes("--keep")) rmSync(path);
      const line = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || !line.startsWith("{")) {
        const error = `FAILED (${r.status}) ${r.stderr.slice(-500)}`;
        console.log(`${kind} ${h} h: ${error}`);
        results.push({ kind, hours: h, load1Before, error } as never);
        continue;
      }
      const res = JSON.parse(line) as CaseResult;
      results.push({ ...res, kind, hours: h, load1Before });
      const a = res.audioSeconds;
      const stages = [{ stage: "read", seconds: res.readSeconds }, ...res.timings].map((t) => `${t.stage} ${fx(x(a, t.seconds))}`).join("  ");
      const sp = res.scanParts;
      const parts = (["decode", "resample", "vad", "features", "store"] as const).map((k) => `${k} ${fx(x(a, sp[k] / 1000))}`).join("  ");
      console.log(
        `${kind.padEnd(9)} ${String(h).padStart(2)} h  whole ${fx(x(a, res.totalSeconds)).padStart(6)}  peak RSS ${(res.maxRssBytes / 2 ** 20).toFixed(0)} MiB  (mode ${res.mode}, ${res.numSpeakers} speakers, load ${load1Before.toFixed(1)} before)\n` +
          `            stages: ${stages}\n            scan:   ${parts}  (VAD gate skipped ${(sp.vadSkippedSeconds / 60).toFixed(0)} channel-min)`,
      );
    }
  }
  if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });

  // summary table
  const stageNames = ["scan", "turns", "metrics"];
  const hdr = `| case | whole | ${stageNames.join(" | ")} | scan: vad | scan: features | scan: decode+resample+store | peak RSS |`;
  const rows = results.map((r) => {
    if (r.error) return `| ${r.kind} ${r.hours} h | failed | | | | | | | |`;
    const a = r.audioSeconds;
    const st = (n: string) => fx(x(a, r.timings.find((t) => t.stage === n)?.seconds ?? 0));
    const sp = r.scanParts;
    return `| ${r.kind} ${r.hours} h | ${fx(x(a, r.totalSeconds))} | ${stageNames.map(st).join(" | ")} | ${fx(x(a, sp.vad / 1000))} | ${fx(x(a, sp.features / 1000))} | ${fx(x(a, (sp.decode + sp.resample + sp.store) / 1000))} | ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB |`;
  });
  console.log(`\n${hdr}\n|${"---|".repeat(9)}\n${rows.join("\n")}`);
  console.log(`\nTargets: whole pipeline >= ${TARGET_SPEED}× real time (transcription off, one core); peak < ${TARGET_MIB} MiB for 4 h.`);
  const outDir = join(here, "out");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, "results.json"),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, source, targets: { speed: TARGET_SPEED, peakMiB: TARGET_MIB }, cases: results }, null, 2) + "\n",
  );
  console.log(`wrote ${join(outDir, "results.json")}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
