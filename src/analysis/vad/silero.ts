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
  isDetected(): boolean;
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
 * Energy pre-gate: Silero costs the same on silence as on speech (~0.1 ms per 32 ms window),
 * so stretches of at least GATE_WINDOWS windows whose mean power is below GATE_DB dBFS
 * (digital silence: the idle side of a per-channel call, gaps in joined files) are not run
 * through it. The model is fed the first GATE_TAIL windows of such a stretch, and more until
 * any segment in progress has ended (so it ends where it would without the gate), and the
 * last GATE_PREROLL windows before the sound resumes (so onsets are found as without it). Across a short skip the LSTM state is kept (resetting it there
 * delays onsets measurably on meetings, and flushing sherpa without a reset makes it mis-handle
 * a segment that resumes at once); after a skip of GATE_RESET_SECONDS or more the model is
 * flushed and reset, as a model that had seen that much silence would have settled (without
 * the reset, digital silence → sound right after a turn gave a spurious blip). Segment times
 * are mapped back through the skipped stretches and split at them.
 *
 * Level: -90 dBFS, i.e. digital silence and dither (the idle channel of a per-channel call
 * recorded digitally, gaps between joined files). Measured (eval-vad.ts, `npm run eval`): at
 * -90 dBFS frame accuracy and DER on the development set are identical with and without the
 * gate. At -65 dBFS the gate also skips quiet room/line noise and frame accuracy is still
 * 0.927 pooled (0.925 at -60, 0.904 at -55), but skipping changes the model's state enough to
 * move one region end by 32 ms, which moved one AMI clip's DER by 8 points (the diarizer is that
 * sensitive), so the default stays at digital silence. `VAD_GATE=0` turns the gate off.
 */
export const GATE_DB = -90;
const GATE_POWER = 10 ** (GATE_DB / 10);
const GATE_WINDOWS = 32; // 1.02 s
const GATE_TAIL = 6; // 0.19 s
const GATE_PREROLL = 16; // 0.51 s
const GATE_RESET_SECONDS = 2;

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
  // pre-gate state (see GATE_DB)
  private readonly gate: boolean;
  /** Quiet windows held back until we know whether the quiet stretch is long enough to skip. */
  private quiet: Float32Array[] = [];
  private gated = false;
  /** Samples fed to the model, and the real position (samples) of the next window. */
  private fed = 0;
  private real = 0;
  /** Piecewise map from fed-sample positions to real positions: one entry per resumption. */
  private runs: { fed: number; real: number }[] = [{ fed: 0, real: 0 }];
  private fedBase = 0;
  /** The current quiet stretch has had its GATE_TAIL windows fed (waiting for a segment to close). */
  private tailFed = false;
  private gateStart = 0;
  /** Windows (of WINDOW samples) not run through the model. */
  skippedWindows = 0;

  constructor(opts: VadOptions & { gate?: boolean } = {}) {
    const { gate, ...vadOpts } = opts;
    this.opts = { ...VAD_DEFAULTS, ...stripUndefined(vadOpts) };
    this.gate = gate ?? process.env.VAD_GATE !== "0";
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
    let i = 0;
    if (this.pendingLen > 0) {
      const take = Math.min(WINDOW - this.pendingLen, chunk16k.length);
      this.pending.set(chunk16k.subarray(0, take), this.pendingLen);
      this.pendingLen += take;
      i = take;
      if (this.pendingLen < WINDOW) return;
      this.window(this.pending);
      this.pendingLen = 0;
    }
    for (; i + WINDOW <= chunk16k.length; i += WINDOW) this.window(chunk16k.subarray(i, i + WINDOW));
    if (i < chunk16k.length) {
      this.pending.set(chunk16k.subarray(i), 0);
      this.pendingLen = chunk16k.length - i;
    }
  }

  /** One full window: through the gate to the model. `w` may be reused by the caller. */
  private window(w: Float32Array): void {
    if (!this.gate) {
      this.feed(w);
      return;
    }
    let p = 0;
    for (let k = 0; k < WINDOW; k++) p += w[k]! * w[k]!;
    const quiet = p < GATE_POWER * WINDOW;
    if (quiet) {
      if (this.gated) {
        // keep only the last GATE_PREROLL windows of a skipped stretch (held windows start at `real`)
        const q = this.quiet.shift()!;
        this.real += WINDOW;
        this.skippedWindows++;
        q.set(w);
        this.quiet.push(q);
        return;
      }
      this.quiet.push(w.slice());
      if (this.quiet.length >= GATE_WINDOWS || this.tailFed) {
        if (!this.tailFed) for (const q of this.quiet.splice(0, GATE_TAIL)) this.feed(q);
        this.tailFed = true;
        // a segment still open is left to end exactly as it would without the gate
        const v = this.vad!;
        while (v.isDetected() && this.quiet.length > GATE_PREROLL) this.feed(this.quiet.shift()!);
        if (v.isDetected()) return;
        this.tailFed = false;
        const skip = this.quiet.length - GATE_PREROLL;
        this.quiet.splice(0, skip);
        this.gateStart = this.real;
        this.real += skip * WINDOW;
        this.skippedWindows += skip;
        this.gated = true;
      }
      return;
    }
    this.resume();
    this.feed(w);
  }

  /** Feed the held quiet windows; after a skip they continue at real position `real`, not where the model left off. */
  private resume(): void {
    if (this.gated) {
      if (this.real - this.gateStart >= GATE_RESET_SECONDS * SR) {
        // after a long skip the model would have settled deep into silence: start it afresh
        const v = this.vad!;
        v.flush();
        this.drain();
        v.reset();
        this.fedBase = this.fed;
      }
      this.runs.push({ fed: this.fed, real: this.real });
      this.gated = false;
    }
    this.tailFed = false;
    const held = this.quiet;
    this.quiet = [];
    for (const q of held) this.feed(q);
  }

  private feed(w: Float32Array): void {
    const v = this.vad!;
    v.acceptWaveform(w);
    this.fed += WINDOW;
    this.real += WINDOW;
    if (!v.isEmpty()) this.drain();
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
      this.window(this.pending);
      this.pendingLen = 0;
    }
    // a quiet stretch too short to skip is still owed to the model; a skipped one is not
    if (!this.gated) this.resume();
    v.flush();
    this.drain();
    release(this.opts.threshold, v);
    this.vad = undefined;
    return smoothRegions(this.raw, total, this.opts);
  }

  /**
   * Adds a segment given in fed-sample positions [a, b): split at each skip, so the skipped
   * (quiet) time is never claimed as speech. (The model is not flushed at a skip: that makes
   * sherpa mis-handle a segment that resumes right after it.)
   */
  private addSegment(a: number, b: number): void {
    let k = this.runs.length - 1;
    while (k > 0 && this.runs[k]!.fed > a) k--;
    for (; k < this.runs.length; k++) {
      const r = this.runs[k]!;
      const runEnd = k + 1 < this.runs.length ? this.runs[k + 1]!.fed : Infinity;
      const s = Math.max(a, r.fed);
      const e = Math.min(b, runEnd);
      if (e > s) this.raw.push({ start: (r.real + s - r.fed) / SR, end: (r.real + e - r.fed) / SR });
      if (runEnd >= b) break;
    }
  }

  private drain(): void {
    const v = this.vad!;
    while (!v.isEmpty()) {
      // front(false): the segment's samples (up to 20 s, which we do not need) come back in a
      // V8-owned buffer. With front(true) they sit in native memory that V8 does not count, so
      // it collects them too late (measured: 4 h mono, scan-stage RSS 792 → 272 MiB).
      const seg = v.front(false);
      this.addSegment(this.fedBase + seg.start, this.fedBase + seg.start + seg.samples.length);
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
