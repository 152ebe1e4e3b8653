/**
 * `npm run bench:upload [-- --hours 4] [--cases mono16k,stereo8k]`: the upload path end to
 * end. Starts the compiled gateway (embedded mode, a temporary DATA_DIR, transcription off)
 * as a process of its own, builds a long WAV from the real speech in ../shared/eval
 * (bench/input.ts; skipped, saying so, when absent), and analyses it as a user would with
 * `interaction-analytics submit`: POST /v1/uploads streamed from disk, submitAnalysis with
 * the uploadId, the analysisCompleted subscription. Reports the gateway process's peak
 * resident memory (VmHWM: the HTTP server, the upload and the analysis thread together),
 * sampled RSS while uploading, and the times. Writes bench/out/upload.json.
 * Target (issue 10): a 4 h upload analysed through this path peaks ≤ 300 MiB.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resampleAll } from "../src/analysis/diarization/io.js";
import { METRIC_NAMES } from "../src/analysis/types.js";
import { submitFile } from "../src/cli/submit.js";
import { clips, SHARED, writeSpeechWav } from "./input.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_MIB = 300;
const MiB = 2 ** 20;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** VmRSS / VmHWM of a process, bytes (Linux /proc). */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const hours = (opt("--hours") ?? "4").split(",").map(Number);
  const cases = (opt("--cases") ?? "mono16k,stereo8k").split(",");
  if (!existsSync(SHARED)) return console.log(`bench skipped: ${SHARED} (real speech to concatenate) not found`);
  const entry = join(root, "dist/src/main.js");
  if (!existsSync(entry)) throw new Error("dist/src/main.js is missing: npm run build (npm run bench:upload does)");
  const c16 = await clips();
  const c8 = c16.map((c) => resampleAll(c, 16000, 8000));
  const work = mkdtempSync(join(tmpdir(), "ia-bench-upload-"));
  const results: Record<string, unknown>[] = [];
  try {
    for (const h of hours) {
      for (const kind of cases) {
        const stereo = kind === "stereo8k";
        const wav = join(work, `${kind}-${h}h.wav`);
        writeSpeechWav(wav, stereo ? c8 : c16, stereo ? 8000 : 16000, stereo ? 2 : 1, h * 3600);
        const bytes = statSync(wav).size;
        const dataDir = join(work, `data-${kind}-${h}`);
        const port = await freePort();
        const server = `http://127.0.0.1:${port}`;
        const gateway = spawn(process.execPath, [entry], {
          cwd: root,
          // glibc malloc tuning (MALLOC_ARENA_MAX, ...) passes through, to measure its effect
          env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("MALLOC_"))), PATH: process.env.PATH ?? "", PORT: String(port), DATA_DIR: dataDir, TRANSCRIBER: "none", LOG_LEVEL: "warn", MAX_UPLOAD_BYTES: String(2 * 1024 * MiB) },
          stdio: ["ignore", "inherit", "inherit"],
        });
        try {
          for (let i = 0; i < 100; i++) {
            if (await fetch(`${server}/healthz`).then((r) => r.ok, () => false)) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          const idle = memory(gateway.pid!);
          let uploadPeak = 0;
          let phase = "upload";
          let uploadSeconds = 0;
          const t0 = performance.now();
          const sampler = setInterval(() => {
            if (phase === "upload") uploadPeak = Math.max(uploadPeak, memory(gateway.pid!).rss);
          }, 100);
          const result = await submitFile({
            server,
            file: wav,
            options: { encoding: "WAV", sampleRate: stereo ? 8000 : 16000, languageCode: "en-US", metrics: [...METRIC_NAMES], speakers: -1, separateSpeakerPerChannel: stereo },
            progress: (line) => {
              if (phase === "upload" && !line.startsWith("upload")) {
                phase = "analysis";
                uploadSeconds = (performance.now() - t0) / 1000;
              }
            },
          });
          clearInterval(sampler);
          const totalSeconds = (performance.now() - t0) / 1000;
          const peak = memory(gateway.pid!).hwm;
          const row = {
            case: `${kind}, ${h} h`,
            uploadMB: +(bytes / 1e6).toFixed(1),
            uploadSeconds: +uploadSeconds.toFixed(1),
            analysisSeconds: +(totalSeconds - uploadSeconds).toFixed(1),
            speedX: +((h * 3600) / (totalSeconds - uploadSeconds)).toFixed(0),
            idleRssMiB: Math.round(idle.rss / MiB),
            uploadPeakRssMiB: Math.round(uploadPeak / MiB),
            peakRssMiB: Math.round(peak / MiB),
            numSpeakers: result.num_speakers,
            segments: result.segments.length,
            meetsTarget: peak <= TARGET_MIB * MiB,
          };
          results.push(row);
          console.log(JSON.stringify(row));
        } finally {
          gateway.kill("SIGTERM");
          await new Promise((r) => gateway.once("exit", r));
          rmSync(wav, { force: true });
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log("\n| case | upload | upload time | analysis | speed | gateway idle | peak while uploading | peak (VmHWM) |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(`| ${r.case} | ${r.uploadMB} MB | ${r.uploadSeconds} s | ${r.analysisSeconds} s | ${r.speedX}× | ${r.idleRssMiB} MiB | ${r.uploadPeakRssMiB} MiB | **${r.peakRssMiB} MiB**${r.meetsTarget ? "" : ` (over ${TARGET_MIB})`} |`);
  }
  mkdirSync(join(root, "bench/out"), { recursive: true });
  writeFileSync(join(root, "bench/out/upload.json"), JSON.stringify(results, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
