/**
 * Where the memory goes: `npx tsx bench/mem-probe.ts <file.wav> <stereo 0|1>` analyses a WAV on
 * the file path (transcription off) and prints process.memoryUsage() (RSS, V8 heap, array
 * buffers) at each stage boundary, then the peak RSS (getrusage maxRSS).
 */
import { writeFileSync } from "node:fs";
import { analyzeFileDetailed } from "../src/analysis/pipeline.js";
import { METRIC_NAMES, type AnalysisOptions } from "../src/analysis/types.js";
import { createTranscriber } from "../src/analysis/transcription/index.js";

const [file, stereo] = process.argv.slice(2);
const MiB = 2 ** 20;
const show = (label: string) => {
  const m = process.memoryUsage();
  console.log(`${label.padEnd(16)} rss ${(m.rss / MiB).toFixed(0).padStart(4)}  heap ${(m.heapUsed / MiB).toFixed(0).padStart(4)}  arrayBuffers ${(m.arrayBuffers / MiB).toFixed(0).padStart(4)}  external ${(m.external / MiB).toFixed(0).padStart(4)}  peak ${((process.resourceUsage().maxRSS * 1024) / MiB).toFixed(0)}`);
};
const options: AnalysisOptions = { encoding: "WAV", sampleRate: 16000, languageCode: "en-US", metrics: [...METRIC_NAMES], speakers: -1, separateSpeakerPerChannel: stereo === "1" };
show("start");
let last = "";
let traceMax = 0;
const gc = (globalThis as { gc?: () => void }).gc;
const run = await analyzeFileDetailed(file!, options, (stage, fraction) => {
  if (process.env.PROBE_GC) gc?.();
  if (stage !== last) show(`before ${stage}`);
  last = stage;
  const rss = process.memoryUsage().rss;
  if (process.env.PROBE_TRACE && rss > traceMax + 4 * MiB) {
    traceMax = rss;
    show(`  ${stage} ${(fraction * 100).toFixed(1)}%`);
  }
}, { transcriber: createTranscriber({ kind: "none" }) });
show("done");
if (process.env.PROBE_OUT) writeFileSync(process.env.PROBE_OUT, JSON.stringify(run.response));
console.log(JSON.stringify({ speakers: run.response.num_speakers, segments: run.response.segments.length, timings: run.timings }));
