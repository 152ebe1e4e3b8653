/**
 * The audio analysis pipeline: one pure function of the audio bytes and the options.
 *
 *   open → scan (decode, resample to 16 kHz, VAD, diarization features, keep 16-bit
 *   audio; streamed chunk by chunk) → turns → transcribe → metrics → result
 *
 * Nothing holds the whole recording as floats: the scan walks it in 10 s chunks, and later
 * stages read the 16-bit store (which spills to disk for long recordings).
 *
 * Each stage is a named function with typed input and output; `analyzeDetailed` also
 * reports how long each stage took (the benchmark reads it). Progress is reported as the
 * overall fraction done, weighted by how long stages typically take.
 */
import { openAudioStream, type AudioStream } from "./audio/stream.js";
import { openAudioFile } from "./audio/file-stream.js";
import { StreamingResampler } from "./audio/resample.js";
import { createTurnFinder, type SpeakerCountInfo, type TurnFinder, type TurnMode } from "./diarization/index.js";
import { computeAffect } from "./metrics/affect.js";
import { findInterruptions, interruptionCounts } from "./metrics/interruptions.js";
import { talkToListen } from "./metrics/talk-to-listen.js";
import { turnStats } from "./metrics/turn-stats.js";
import { SpeechStore } from "./speech-store.js";
import { createTranscriber, transcriberConfigFromEnv, transcribeTurns, assignWordsToTurns, type Transcriber } from "./transcription/index.js";
import type {
  AnalysisOptions,
  DeepAffectsResponse,
  DeepAffectsSegment,
  ProgressReporter,
  SpeakerStatsEntry,
  SpeechRegion,
  Turn,
  Word,
} from "./types.js";
import { SpeechDetector } from "./vad/silero.js";

const RATE = 16000;
/** Seconds of native-rate audio handled per scan step. */
const SCAN_CHUNK_SECONDS = 10;

export interface StageTiming {
  stage: string;
  seconds: number;
}

/** Where the scan stage's time went (milliseconds), for the benchmark. */
export interface ScanParts {
  /** Reading and converting the input (the stream's own work between chunks). */
  decode: number;
  resample: number;
  /** Speech detection, all channels. */
  vad: number;
  /** The diarizer's streaming feature extraction. */
  features: number;
  /** Keeping the 16-bit audio (memory, or the spill file). */
  store: number;
  /** Channel-seconds the VAD's energy gate kept from the model. */
  vadSkippedSeconds: number;
}

export interface AnalysisRun {
  response: DeepAffectsResponse;
  timings: StageTiming[];
  /** The scan stage split into its parts. */
  scanParts: ScanParts;
  mode: TurnMode;
  audioSeconds: number;
}

export interface PipelineEnv {
  transcriber?: Transcriber;
}

// ---- stages ---------------------------------------------------------------------------

/** Where the audio comes from: bytes in memory, or a file read chunk by chunk. */
export type AudioSource = { data: Buffer } | { path: string };

/** open: bytes or a file → a validated stream of native-rate PCM chunks (most bad audio fails here). */
function open(source: AudioSource, options: AnalysisOptions): Promise<AudioStream & { close?: () => void }> {
  const o = { encoding: options.encoding, sampleRate: options.sampleRate };
  return "path" in source ? openAudioFile(source.path, o) : openAudioStream(source.data, o);
}

interface Scan {
  audio: SpeechStore;
  speech: SpeechRegion[][];
  finder: TurnFinder;
  /** Seconds of audio decoded. */
  seconds: number;
}

/** scan: native PCM chunks → 16 kHz audio store, VAD regions per channel, diarization features. */
async function scan(stream: AudioStream, options: AnalysisOptions, progress: (f: number) => void, parts: ScanParts): Promise<Scan> {
  const nch = stream.channelCount;
  // chunk buffers are reused: every consumer below copies what it keeps (no per-chunk garbage)
  const resamplers = Array.from({ length: nch }, () => new StreamingResampler(stream.sampleRate, RATE, true));
  const detectors = Array.from({ length: nch }, () => new SpeechDetector());
  const finder = createTurnFinder({ channels: nch, speakers: options.speakers, separateSpeakerPerChannel: options.separateSpeakerPerChannel });
  const audio = new SpeechStore(nch, stream.durationHint);
  const t = performance.now.bind(performance);
  const feed = (chunks: Float32Array[]) => {
    if (chunks[0]!.length === 0) return;
    let t0 = t();
    chunks.forEach((c, i) => detectors[i]!.push(c));
    let t1 = t();
    parts.vad += t1 - t0;
    finder.push(chunks);
    t0 = t();
    parts.features += t0 - t1;
    audio.append(chunks);
    t1 = t();
    parts.store += t1 - t0;
  };
  let samples = 0;
  let tDecode = t();
  try {
    for await (const chunk of stream.chunks(SCAN_CHUNK_SECONDS)) {
      const t0 = t();
      parts.decode += t0 - tDecode;
      samples += chunk[0]!.length;
      const r = chunk.map((c, i) => resamplers[i]!.push(c));
      parts.resample += t() - t0;
      feed(r);
      if (stream.durationHint) progress(Math.min(1, samples / stream.sampleRate / stream.durationHint));
      tDecode = t();
    }
    feed(resamplers.map((r) => r.flush()));
  } catch (err) {
    audio.dispose();
    throw err;
  }
  const t0 = t();
  const speech = detectors.map((d) => d.finish());
  parts.vad += t() - t0;
  parts.vadSkippedSeconds = detectors.reduce((a, d) => a + (d.skippedWindows * 512) / RATE, 0);
  return { audio, speech, finder, seconds: samples / stream.sampleRate };
}

/** turns: diarization (or one speaker per channel) → speaker turns, ids in order of appearance. */
function turns(s: Scan): { turns: Turn[]; mode: TurnMode; count?: SpeakerCountInfo } {
  const found = s.finder.finish(s.speech);
  if (found.mode === "per-channel") s.audio.usePerChannelSpeakers();
  // per-channel calls: each channel's speech without the other party's bleed (cross-talk stage)
  if (found.speech) s.speech = found.speech;
  return { turns: [...found.turns].sort((a, b) => a.start - b.start || a.end - b.end), mode: found.mode, ...(found.count ? { count: found.count } : {}) };
}

/** transcribe: turns → words (none when no recognizer is configured). */
async function transcribe(transcriber: Transcriber, s: Scan, t: Turn[], options: AnalysisOptions, progress: (f: number) => void): Promise<Word[]> {
  return transcribeTurns(transcriber, s.audio, t, { languageCode: options.languageCode, onProgress: progress });
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** metrics + result: turns, words, audio → the DeepAffects response with our per-speaker stats. */
async function buildResponse(t: Turn[], words: Word[], s: Scan, options: AnalysisOptions, progress: (f: number) => void, count?: SpeakerCountInfo): Promise<DeepAffectsResponse> {
  const wanted = new Set(options.metrics);
  const allSpeech = s.speech.flat();
  const stats = turnStats(t, allSpeech);
  const texts = words.length ? assignWordsToTurns(words, t) : undefined;
  const affect = await computeAffect(
    { audio: s.audio, turns: t, speech: allSpeech, ...(words.length ? { words } : {}) },
    options.metrics,
    { onProgress: progress },
  );
  const segments: DeepAffectsSegment[] = t.map((turn, i) => ({
    speaker_id: turn.speaker,
    start: round(turn.start),
    end: round(turn.end),
    ...(turn.speakerConfidence !== undefined ? { speaker_confidence: round(turn.speakerConfidence) } : {}),
    ...(texts ? { text: texts[i]!.text } : {}),
    ...(texts?.[i]!.confidence !== undefined ? { confidence: round(texts[i]!.confidence!) } : {}),
    ...affect.segments[i],
  }));
  const speakers: SpeakerStatsEntry[] = stats.speakers.map((sp) => ({
    speaker_id: sp.speaker,
    talk_seconds: round(sp.talkSeconds),
    turns: sp.turns,
    longest_monologue_seconds: round(sp.longestMonologueSeconds),
    ...affect.stats[sp.speaker],
  }));
  const bySpeaker = new Map(speakers.map((sp) => [sp.speaker_id, sp]));
  const response: DeepAffectsResponse = {
    num_speakers: stats.numSpeakers,
    // one speaker per channel: the count is given by the layout
    num_speakers_confidence: round(count ? count.confidence : 1),
    ...(count?.runnerUp !== undefined ? { num_speakers_runner_up: count.runnerUp } : {}),
    total_speech_duration: round(stats.totalSpeechDuration),
    segments,
    speakers,
    silence: affect.silence,
  };
  for (const m of ["energy", "pace", "questions_asked", "tone"] as const) if (affect[m]) response[m] = affect[m];
  if (wanted.has("talk_to_listen_ratio")) {
    const tl = talkToListen(t);
    response.talk_to_listen_ratio = tl.map((x) => ({ speaker_id: x.speaker, value: x.ratio }));
    for (const x of tl) bySpeaker.get(x.speaker)!.talk_to_listen = x.ratio;
  }
  if (wanted.has("interruptions")) {
    const events = findInterruptions(t);
    response.interruptions = events.map((e) => ({ start: round(e.start), end: round(e.end), speaker_id: e.speaker, interrupted_speaker_id: e.interrupted }));
    const counts = interruptionCounts(events);
    for (const sp of speakers) {
      sp.interruptions_made = counts[sp.speaker_id]?.made ?? 0;
      sp.interruptions_received = counts[sp.speaker_id]?.received ?? 0;
    }
  }
  return response;
}

// ---- the pipeline -----------------------------------------------------------------------

/** Relative cost of each stage, for overall progress. */
const WEIGHTS = { open: 0.02, scan: 0.63, turns: 0.15, transcribe: 0.1, metrics: 0.1 } as const;
type StageName = keyof typeof WEIGHTS;

export async function analyzeDetailed(data: Buffer, options: AnalysisOptions, onProgress?: ProgressReporter, env: PipelineEnv = {}): Promise<AnalysisRun> {
  return analyzeSource({ data }, options, onProgress, env);
}

/**
 * Analyses a local file. WAV and raw audio are read from disk chunk by chunk, so memory does
 * not grow with the recording (the CLI and the benchmark use this); compressed formats are
 * read whole, as they are small.
 */
export async function analyzeFileDetailed(path: string, options: AnalysisOptions, onProgress?: ProgressReporter, env: PipelineEnv = {}): Promise<AnalysisRun> {
  return analyzeSource({ path }, options, onProgress, env);
}

export async function analyzeFile(path: string, options: AnalysisOptions, onProgress?: ProgressReporter): Promise<DeepAffectsResponse> {
  return (await analyzeFileDetailed(path, options, onProgress)).response;
}

export async function analyzeSource(source: AudioSource, options: AnalysisOptions, onProgress?: ProgressReporter, env: PipelineEnv = {}): Promise<AnalysisRun> {
  const timings: StageTiming[] = [];
  const scanParts: ScanParts = { decode: 0, resample: 0, vad: 0, features: 0, store: 0, vadSkippedSeconds: 0 };
  const order = Object.keys(WEIGHTS) as StageName[];
  const report = (stage: StageName, f: number) => {
    let done = 0;
    for (const s of order) {
      if (s === stage) break;
      done += WEIGHTS[s];
    }
    onProgress?.(stage, Math.min(1, done + WEIGHTS[stage] * f));
  };
  async function stage<T>(name: StageName, fn: (progress: (f: number) => void) => T | Promise<T>): Promise<T> {
    report(name, 0);
    const t0 = performance.now();
    const out = await fn((f) => report(name, f));
    timings.push({ stage: name, seconds: (performance.now() - t0) / 1000 });
    report(name, 1);
    return out;
  }

  const stream = await stage("open", () => open(source, options));
  let scanned: Scan;
  try {
    scanned = await stage("scan", (p) => scan(stream, options, p, scanParts));
  } finally {
    stream.close?.();
  }
  const audioSeconds = scanned.seconds;
  try {
    const found = await stage("turns", () => turns(scanned));
    const transcriber = env.transcriber ?? createTranscriber(transcriberConfigFromEnv());
    const words = await stage("transcribe", (p) => transcribe(transcriber, scanned, found.turns, options, p));
    const response = await stage("metrics", (p) => buildResponse(found.turns, words, scanned, options, p, found.count));
    return { response, timings, scanParts, mode: found.mode, audioSeconds };
  } finally {
    scanned.audio.dispose();
  }
}

/** Analyses audio bytes; the result is the DeepAffects response (plus our per-speaker stats). */
export async function analyze(data: Buffer, options: AnalysisOptions, onProgress?: ProgressReporter): Promise<DeepAffectsResponse> {
  return (await analyzeDetailed(data, options, onProgress)).response;
}
