/**
 * Voice activity detection with Silero VAD v5 (MIT) run by sherpa-onnx-node, with an
 * energy-based fallback when the model or the native addon is unavailable.
 *
 * Safety (see STACK.md): sherpa-onnx-node does not throw on a bad config, an 8 kHz/256
 * window calls exit(255), and a truncated .onnx aborts the process. So: we always feed
 * 16 kHz with a 512-sample window, and verify the model file's size and SHA-256 before the
 * first construction. Nothing is loaded at import time; the addon and the check are done
 * once per process/thread on first use, and detector instances are pooled per thread.
 *
 * Model path: $SILERO_VAD_MODEL if set, else models/silero_vad.onnx found by walking up from
 * this module (works from src/ under tsx and from dist/ after a build).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SpeechRegion } from "../types.js";
import { FrameEnergies, energyRegionsFromFrames, energyVad, smoothRegions, type VadOptions } from "./energy.js";

export { energyVad, type VadOptions } from "./energy.js";

export const SILERO_MODEL_SIZE = 2327524;
export const SILERO_MODEL_SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

/**
 * Defaults measured on the development set (see the module README / final report):
 * a low threshold suits far-field and narrow-band conversational audio.
 */
export const VAD_DEFAULTS: Required<VadOptions> = {
  threshold: 0.25,
  minSpeechSeconds: 0.1,
  minSilenceSeconds: 0.3,
  padSeconds: 0.05,
};

const SR = 16000;
const WINDOW = 512;
const BUFFER_SECONDS = 60;
const MAX_SPEECH_SECONDS = 20;

export type VadBackend = "silero" | "energy";

interface SherpaSegment {
  start: number;
  samples: Float32Array;
}
interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  front(enableExternalBuffer?: boolean): SherpaSegment;
  pop(): void;
  flush(): void;
  reset(): void;
}
interface SherpaModule {
  Vad: new (config: unknown, bufferSizeInSeconds: number) => SherpaVad;
}

interface BackendState {
  backend: VadBackend;
  reason: string;
  modelPath?: string;
  sherpa?: SherpaModule;
}

let state: BackendState | undefined;
const pool = new Map<string, SherpaVad[]>();

/** Where the Silero model is looked for (env override first). */
export function sileroModelPath(): string | undefined {
  const env = process.env.SILERO_VAD_MODEL;
  if (env) return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, "models", "silero_vad.onnx");
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function probe(): BackendState {
  if (state) return state;
  if (process.env.VAD_BACKEND === "energy") {
    state = { backend: "energy", reason: "VAD_BACKEND=energy" };
    return state;
  }
  const path = sileroModelPath();
  if (!path || !existsSync(path)) {
    state = { backend: "energy", reason: `Silero model not found (${path ?? "models/silero_vad.onnx"}); run npm install or set SILERO_VAD_MODEL` };
    return state;
  }
  const size = statSync(path).size;
  if (size !== SILERO_MODEL_SIZE) {
    state = { backend: "energy", reason: `Silero model ${path} has ${size} bytes, expected ${SILERO_MODEL_SIZE}` };
    return state;
  }
  const sha = createHash("sha256").update(readFileSync(path)).digest("hex");
  if (sha !== SILERO_MODEL_SHA256) {
    state = { backend: "energy", reason: `Silero model ${path} fails its SHA-256 check` };
    return state;
  }
  try {
    const require = createRequire(import.meta.url);
    const sherpa = require("sherpa-onnx-node") as SherpaModule;
    state = { backend: "silero", reason: "Silero VAD v5 via sherpa-onnx-node", modelPath: path, sherpa };
  } catch (e) {
    state = { backend: "energy", reason: `sherpa-onnx-node failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
  return state;
}

/** Which VAD is in use ("silero" or the "energy" fallback) and why. Probes lazily. */
export function vadBackend(): { backend: VadBackend; reason: string } {
  const s = probe();
  return { backend: s.backend, reason: s.reason };
}

/** Test/ops hook: forget the probed backend and pooled detectors (e.g. after changing env). */
export function resetVadBackend(): void {
  state = undefined;
  pool.clear();
}

function acquire(threshold: number): SherpaVad {
  const s = probe();
  const key = threshold.toFixed(4);
  const free = pool.get(key);
  const v = free?.pop();
  if (v) return v;
  return new s.sherpa!.Vad(
    {
      sileroVad: {
        model: s.modelPath!,
        threshold,
        // sherpa's own smoothing is kept minimal: we smooth the regions ourselves
        minSilenceDuration: 0.1,
        minSpeechDuration: 0.05,
        windowSize: WINDOW,
        maxSpeechDuration: MAX_SPEECH_SECONDS,
      },
      sampleRate: SR,
      numThreads: 1,
      provider: "cpu",
      debug: false,
    },
    BUFFER_SECONDS,
  );
}

function release(threshold: number, v: SherpaVad): void {
  v.reset();
  const key = threshold.toFixed(4);
  const list = pool.get(key) ?? [];
  if (list.length < 4) list.push(v);
  pool.set(key, list);
}

/**
 * Streaming speech detector over 16 kHz audio. Push consecutive chunks of any size, then
 * call finish() once: it returns the speech regions in seconds from the stream start.
 * Memory stays bounded (sherpa's 60 s ring buffer, or 4 bytes per 10 ms for the fallback).
 */
export class SpeechDetector {
  readonly backend: VadBackend;
  private readonly opts: Required<VadOptions>;
  private vad: SherpaVad | undefined;
  private energies: FrameEnergies | undefined;
  private raw: SpeechRegion[] = [];
  private samples = 0;
  private done = false;
  private readonly pending = new Float32Array(WINDOW);
  private pendingLen = 0;

  constructor(opts: VadOptions = {}) {
    this.opts = { ...VAD_DEFAULTS, ...stripUndefined(opts) };
    const s = probe();
    this.backend = s.backend;
    if (s.backend === "silero") this.vad = acquire(this.opts.threshold);
    else this.energies = new FrameEnergies();
  }

  push(chunk16k: Float32Array): void {
    if (this.done) throw new Error("SpeechDetector: push after finish");
    this.samples += chunk16k.length;
    if (this.energies) {
      this.energies.push(chunk16k);
      return;
    }
    // sherpa only ends a segment at the end of an acceptWaveform call, so it must be fed
    // one 512-sample window per call (bigger calls silently merge or lose segments)
    const v = this.vad!;
    let i = 0;
    if (this.pendingLen > 0) {
      const take = Math.min(WINDOW - this.pendingLen, chunk16k.length);
      this.pending.set(chunk16k.subarray(0, take), this.pendingLen);
      this.pendingLen += take;
      i = take;
      if (this.pendingLen < WINDOW) return;
      v.acceptWaveform(this.pending);
      this.pendingLen = 0;
      if (!v.isEmpty()) this.drain();
    }
    for (; i + WINDOW <= chunk16k.length; i += WINDOW) {
      v.acceptWaveform(chunk16k.subarray(i, i + WINDOW));
      if (!v.isEmpty()) this.drain();
    }
    if (i < chunk16k.length) {
      this.pending.set(chunk16k.subarray(i), 0);
      this.pendingLen = chunk16k.length - i;
    }
  }

  finish(): SpeechRegion[] {
    if (this.done) throw new Error("SpeechDetector: finish called twice");
    this.done = true;
    const total = this.samples / SR;
    if (this.energies) {
      return energyRegionsFromFrames(this.energies.finish(), total, {
        minSpeechSeconds: this.opts.minSpeechSeconds,
        minSilenceSeconds: this.opts.minSilenceSeconds,
        padSeconds: this.opts.padSeconds,
      });
    }
    const v = this.vad!;
    if (this.pendingLen > 0) {
      // zero-pad the last partial window
      this.pending.fill(0, this.pendingLen);
      v.acceptWaveform(this.pending);
      this.pendingLen = 0;
    }
    v.flush();
    this.drain();
    release(this.opts.threshold, v);
    this.vad = undefined;
    return smoothRegions(this.raw, total, this.opts);
  }

  private drain(): void {
    const v = this.vad!;
    while (!v.isEmpty()) {
      const seg = v.front(true);
      this.raw.push({ start: seg.start / SR, end: (seg.start + seg.samples.length) / SR });
      v.pop();
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

/** Speech regions of a whole 16 kHz signal (Silero when available, else energy). */
export function detectSpeech(samples16k: Float32Array, opts: VadOptions = {}): SpeechRegion[] {
  const d = new SpeechDetector(opts);
  d.push(samples16k);
  return d.finish();
}
