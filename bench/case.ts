/**
 * One benchmark case, run in its own process by bench/run.ts: analyse a WAV without
 * transcription and print timings and peak RSS as JSON.
 *
 *   tsx bench/case.ts <file.wav> <stereo 0|1> [file|buffer]
 *
 * `file` (default): the file-backed path (analyzeFileDetailed: the WAV is read from disk
 * chunk by chunk, as the CLI does). `buffer`: the whole file is read into a Buffer first and
 * handed to analyzeDetailed, as the HTTP API does (the input bytes then count in the peak).
 */
import { readFile } from "node:fs/promises";
import { analyzeDetailed, analyzeFileDetailed } from "../src/analysis/pipeline.js";
import { METRIC_NAMES, type AnalysisOptions } from "../src/analysis/types.js";
import { createTranscriber } from "../src/analysis/transcription/index.js";

const [file, stereo, source = "file"] = process.argv.slice(2);
const options: AnalysisOptions = { encoding: "WAV", sampleRate: 16000, languageCode: "en-US", metrics: [...METRIC_NAMES], speakers: -1, separateSpeakerPerChannel: stereo === "1" };
const env = { transcriber: createTranscriber({ kind: "none" }) };
const t0 = performance.now();
const run = source === "buffer" ? await analyzeDetailed(await readFile(file!), options, undefined, env) : await analyzeFileDetailed(file!, options, undefined, env);
const total = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    source,
    audioSeconds: run.audioSeconds,
    totalSeconds: total,
    readSeconds: total - run.timings.reduce((a, t) => a + t.seconds, 0),
    timings: run.timings,
    scanParts: run.scanParts,
    mode: run.mode,
    numSpeakers: run.response.num_speakers,
    segments: run.response.segments.length,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  }),
);
