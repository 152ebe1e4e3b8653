/**
 * `npm run bench [-- --hours 1,4] [--keep]`: speed (× real time) per pipeline stage and peak
 * memory on long inputs built by concatenating the real speech in ../shared/eval (skipped,
 * saying so, when it is absent). Cases: mono 16 kHz and stereo 8 kHz (one party per channel,
 * alternating), 1 hour and 4 hours, each analysed in its own child process (transcription
 * off) that reports its stage timings and its peak resident memory (getrusage maxRSS).
 * Targets: whole pipeline >= 100× real time on one core, < 1 GiB peak for 4 hours.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAudio, resampleAll } from "../src/analysis/diarization/io.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const SHARED = join(root, "..", "shared", "eval");

function wavFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? wavFiles(p) : f.endsWith(".wav") ? [p] : [];
  });
}

/** Mono 16 kHz speech clips from the shared set (stereo files down-mixed). */
async function clips(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of wavFiles(SHARED).sort()) {
    const a = await loadAudio(f);
    const mono = a.channels.length === 1 ? a.channels[0]! : a.channels[0]!.map((x, i) => (x + a.channels[1]![i]!) / 2);
    out.push(resampleAll(mono, a.sampleRate, 16000));
  }
  return out;
}

function writeWav(path: string, rate: number, channels: number, seconds: number, fill: (ch: number, offset: number, out: Float32Array) => void): void {
  const frames = Math.floor(seconds * rate);
  const dataBytes = frames * channels * 2;
  const fd = openSync(path, "w");
  const h = Buffer.alloc(44);
  h.write("RIFF", 0); h.writeUInt32LE(36 + dataBytes, 4); h.write("WAVE", 8); h.write("fmt ", 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28); h.writeUInt16LE(channels * 2, 32); h.writeUInt16LE(16, 34); h.write("data", 36); h.writeUInt32LE(dataBytes, 40);
  writeSync(fd, h);
  const block = rate * 10;
  const tmp = new Float32Array(block);
  for (let off = 0; off < frames; off += block) {
    const n = Math.min(block, frames - off);
    const buf = Buffer.alloc(n * channels * 2);
    for (let c = 0; c < channels; c++) {
      fill(c, off, tmp.subarray(0, n));
      for (let i = 0; i < n; i++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(tmp[i]! * 32767))), (i * channels + c) * 2);
    }
    writeSync(fd, buf);
  }
  closeSync(fd);
}

/** A long signal: the clips one after another (0.3 s pause between), repeated. */
function timeline(clipsAt: Float32Array[], rate: number, pause: number) {
  const starts: number[] = [];
  let t = 0;
  for (const c of clipsAt) {
    starts.push(t);
    t += c.length + Math.round(pause * rate);
  }
  return { starts, period: t };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const hoursArg = args[args.indexOf("--hours") + 1];
  const hours = args.includes("--hours") && hoursArg ? hoursArg.split(",").map(Number) : [1, 4];
  if (!existsSync(SHARED)) {
    console.log(`bench skipped: ${SHARED} (real speech to concatenate) not found`);
    return;
  }
  const c16 = await clips();
  const c8 = c16.map((c) => resampleAll(c, 16000, 8000));
  const dir = mkdtempSync(join(tmpdir(), "ia-bench-"));
  const require = createRequire(join(root, "package.json"));
  const tsxCli = join(dirname(require.resolve("tsx/package.json")), "dist", "cli.mjs");
  console.log(`${c16.length} clips, ${(c16.reduce((a, c) => a + c.length, 0) / 16000 / 60).toFixed(1)} min of real speech; inputs in ${dir}`);
  const rows: string[] = [];
  for (const h of hours) {
    for (const kind of ["mono16k", "stereo8k"] as const) {
      const rate = kind === "mono16k" ? 16000 : 8000;
      const cs = kind === "mono16k" ? c16 : c8;
      const tl = timeline(cs, rate, 0.3);
      const path = join(dir, `${kind}-${h}h.wav`);
      const nch = kind === "mono16k" ? 1 : 2;
      writeWav(path, rate, nch, h * 3600, (ch, off, out) => {
        out.fill(0);
        for (let i = 0; i < out.length; i++) {
          const abs = off + i;
          const cycle = Math.floor(abs / tl.period);
          const p = abs % tl.period;
          // binary search the clip
          let lo = 0, hi = tl.starts.length - 1;
          while (lo < hi) { const m = (lo + hi + 1) >> 1; if (tl.starts[m]! <= p) lo = m; else hi = m - 1; }
          const k = lo;
          // stereo: clips alternate between the channels (two parties)
          if (nch === 2 && (k + cycle) % 2 !== ch) continue;
          const c = cs[k]!;
          const j = p - tl.starts[k]!;
          if (j < c.length) out[i] = c[j]!;
        }
      });
      const r = spawnSync(process.execPath, ["--max-old-space-size=4096", tsxCli, join(here, "case.ts"), path, nch === 2 ? "1" : "0"], { encoding: "utf8", env: { ...process.env, TRANSCRIBER: "none" }, maxBuffer: 1 << 24 });
      if (!args.includes("--keep")) rmSync(path);
      const line = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || !line.startsWith("{")) {
        rows.push(`${kind} ${h} h: FAILED (${r.status}) ${r.stderr.slice(-500)}`);
        console.log(rows[rows.length - 1]);
        continue;
      }
      const res = JSON.parse(line) as { audioSeconds: number; totalSeconds: number; readSeconds: number; timings: { stage: string; seconds: number }[]; maxRssBytes: number; mode: string; numSpeakers: number };
      const x = (s: number) => (s > 0 ? `${(res.audioSeconds / s).toFixed(0)}×` : "∞");
      const row =
        `${kind.padEnd(9)} ${String(h).padStart(2)} h  whole ${x(res.totalSeconds).padStart(6)}  ` +
        [{ stage: "read", seconds: res.readSeconds }, ...res.timings].map((t) => `${t.stage} ${x(t.seconds)}`).join("  ") +
        `  peak RSS ${(res.maxRssBytes / 2 ** 20).toFixed(0)} MiB  (mode ${res.mode}, ${res.numSpeakers} speakers)`;
      rows.push(row);
      console.log(row);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nTargets: whole pipeline >= 100× real time (transcription off, one core); peak < 1024 MiB for 4 h.`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
