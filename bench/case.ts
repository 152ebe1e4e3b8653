/** One benchmark case, run in its own process by bench/run.ts: analyse a WAV without transcription, print timings and peak RSS as JSON. */
import { readFile } from "node:fs/promises";
import { analyzeDetailed } from "../src/analysis/pipeline.js";
import { METRIC_NAMES } from "../src/analysis/types.js";
import { createTranscriber } from "../src/analysis/transcription/index.js";

const [file, stereo] = process.argv.slice(2);
const t0 = performance.now();
const data = await readFile(file!);
const run = await analyzeDetailed(
  data,
  { encoding: "WAV", sampleRate: 16000, languageCode: "en-US", metrics: [...METRIC_NAMES], speakers: -1, separateSpeakerPerChannel: stereo === "1" },
  undefined,
  { transcriber: createTranscriber({ kind: "none" }) },
);
const total = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    audioSeconds: run.audioSeconds,
    totalSeconds: total,
    readSeconds: total - run.timings.reduce((a, t) => a + t.seconds, 0),
    timings: run.timings,
    mode: run.mode,
    numSpeakers: run.response.num_speakers,
    segments: run.response.segments.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
