/**
 * Cross-talk (bleed / echo) rejection for stereo calls with one party per channel.
 *
 * Each microphone also hears the other party (headset bleed, speakerphone, a room, a far-end
 * echo) some 12–25 dB down, and often faint background talkers; the per-channel VAD takes all
 * of it for speech. A channel's speech belongs to its party only where that party is the near,
 * loud source. Decided on 10 ms frame levels (dBFS) of both channels, after Wrigley et al.
 * (crosstalk detection from inter-channel level features), with the coupling estimated from
 * the recording itself instead of a fixed margin:
 *
 * 1. Coupling j → i (how channel j's party shows up in channel i), per direction:
 *    - lag: the frame lag d (0–500 ms) maximising the correlation of L_i(t + d) with L_j(t)
 *      over frames where j is loud (≥ its speech level − 10 dB) and louder than i; a few ms
 *      of acoustic delay is lag 0, an echo path 100–300 ms is found as such;
 *    - the bleed envelope H_j(t) = max(L_j(t − d), L_j(t − d + 1), H_j(t − 1) − 0.3 dB): the
 *      other channel's level, aligned, held with a 0.3 dB / 10 ms decay (RT60 ≈ 2 s, longer
 *      than most rooms) because the leaked copy is reverberant while the source is dry;
 *    - gain g = median of L_i − H_j over those frames (where i mostly hears only j's bleed);
 *      margin m = 90th percentile of the spread around it, clamped to [6, 12] dB.
 * 2. Per frame, channel i is its own party's speech when it is inside i's VAD speech and
 *    (test 1) L_i ≥ max(H_j + g + m, floor_i + 6), i.e. louder than the bleed predicted from
 *    the other side; and (test 2, the near voice of that microphone) L_i ≥ S_i − 18 dB, with
 *    S_i = 90th percentile of i's level on frames passing test 1, and, when L_i is more than
 *    10 dB below S_i, not a common source: one talker heard alike in both channels (the two
 *    level tracks correlate > 0.6 over ±150 ms while i is not louder than the other channel
 *    by half the coupling loss) is someone elsewhere in the room, not this channel's party.
 *    A true overlap passes both tests in both channels (two different near voices).
 *    Frame classes: silence, own speech of 0 / of 1, both (a true overlap), bleed only.
 * 3. Turns: within each VAD region, own frames closer than 0.35 s are joined; a group needs
 *    ≥ 80 ms of own frames; it is padded 0.1 s before / 0.15 s after and clipped to the region.
 *
 * Parameters are DEFAULT_CROSSTALK; measured alternatives (bench/sweep-crosstalk.ts) are in
 * docs/diarization.md.
 *
 * Memory: two Float32 levels per 10 ms (2.9 MB per hour); the decision runs at the end over
 * the stored levels, linear in length (the lag search is 51 lags × frames).
 */
import type { SpeechRegion, Turn } from "../types.js";

const RATE = 16000;
export const HOP = 160; // 10 ms at 16 kHz
export const FRAME_SECONDS = HOP / RATE;

/** The stage's parameters (defaults in the module comment; overrides are for experiments: bench/sweep-crosstalk.ts). */
export interface CrosstalkParams {
  /** Longest leak delay searched, frames of 10 ms. 0 = no lag search. */
  maxLagFrames: number;
  /** Decay of the held bleed envelope per 10 ms (dB); Infinity = no hold. */
  holdDecayDb: number;
  minMarginDb: number;
  maxMarginDb: number;
  floorMarginDb: number;
  /** How far below the channel's near-speech level a frame may be and still count as that party. */
  nearRangeDb: number;
  /** Common-source test: frames this far below the near level (dB) ... */
  commonBelowDb: number;
  /** ... whose level track correlates with the other channel's over ±150 ms above this ... */
  commonCorrelation: number;
  /** A fixed leak gain instead of the per-recording estimate (the "fixed margin" baseline). */
  fixedGainDb?: number;
  joinGapSeconds: number;
  minOwnSeconds: number;
  padBeforeSeconds: number;
  padAfterSeconds: number;
}

export const DEFAULT_CROSSTALK: Readonly<CrosstalkParams> = {
  maxLagFrames: 50,
  holdDecayDb: 0.3,
  minMarginDb: 6,
  maxMarginDb: 12,
  floorMarginDb: 6,
  nearRangeDb: 18,
  commonBelowDb: 10,
  commonCorrelation: 0.6,
  joinGapSeconds: 0.35,
  minOwnSeconds: 0.08,
  padBeforeSeconds: 0.1,
  padAfterSeconds: 0.15,
};

/** Growable Float32 list. */
class FloatList {
  private buf = new Float32Array(4096);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const n = new Float32Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.length++] = v;
  }
  view(): Float32Array {
    return this.buf.subarray(0, this.length);
  }
  get bytes(): number {
    return this.buf.byteLength;
  }
}

/** Per-10 ms levels (dBFS) of two 16 kHz channels, pushed chunk by chunk. */
export class ChannelLevels {
  private readonly lists = [new FloatList(), new FloatList()] as const;
  private acc0 = 0;
  private acc1 = 0;
  private n = 0;

  push(a: Float32Array, b: Float32Array): void {
    const len = Math.min(a.length, b.length);
    let s0 = this.acc0, s1 = this.acc1, n = this.n;
    for (let i = 0; i < len; i++) {
      const x = a[i]!, y = b[i]!;
      s0 += x * x;
      s1 += y * y;
      if (++n === HOP) {
        this.lists[0].push(10 * Math.log10(s0 / HOP + 1e-12));
        this.lists[1].push(10 * Math.log10(s1 / HOP + 1e-12));
        s0 = s1 = 0;
        n = 0;
      }
    }
    this.acc0 = s0;
    this.acc1 = s1;
    this.n = n;
  }

  /** Levels so far (views; a partial last frame is not included). */
  levels(): [Float32Array, Float32Array] {
    return [this.lists[0].view(), this.lists[1].view()];
  }

  get bytes(): number {
    return this.lists[0].bytes + this.lists[1].bytes;
  }
}

/** How channel `from`'s party shows up in channel `to`. */
export interface Coupling {
  from: number;
  to: number;
  /** Delay of the leaked copy, frames of 10 ms. */
  lagFrames: number;
  /** Level of the leak relative to the source (dB, negative). */
  gainDb: number;
  /** Margin above the predicted leak for a frame to count as the channel's own speech (dB). */
  marginDb: number;
  /** Frames the estimate was made on. */
  frames: number;
}

export type FrameClass = "silence" | "own0" | "own1" | "both" | "bleed";

export interface CrosstalkResult {
  /** Per channel: the regions that are that channel's own party (subsets of its VAD regions). */
  speech: [SpeechRegion[], SpeechRegion[]];
  /** Coupling into channel 0 (from 1) and into channel 1 (from 0). */
  coupling: [Coupling, Coupling];
  /** Near-speech level (dBFS) and noise floor per channel. */
  nearLevelDb: [number, number];
  floorDb: [number, number];
  /** Seconds per frame class (inside the union of the VAD regions, plus silence). */
  seconds: Record<FrameClass, number>;
}

function quantile(values: Float32Array | number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = Float32Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))]!;
}

/** Frame mask of regions (seconds) on the 10 ms grid. */
function regionMask(regions: SpeechRegion[], n: number): Uint8Array {
  const m = new Uint8Array(n);
  for (const r of regions) {
    const a = Math.max(0, Math.floor(r.start / FRAME_SECONDS)), b = Math.min(n, Math.ceil(r.end / FRAME_SECONDS));
    m.fill(1, a, b);
  }
  return m;
}

/** Aligned, held bleed envelope of `src` for lag `d` (see module comment). */
function holdEnvelope(src: Float32Array, d: number, decay: number): Float32Array {
  const n = src.length;
  const h = new Float32Array(n);
  let prev = -200;
  for (let t = 0; t < n; t++) {
    const a = t - d >= 0 ? src[t - d]! : -200;
    const b = t - d + 1 >= 0 && t - d + 1 < n ? src[t - d + 1]! : -200;
    prev = Math.max(a, b, prev - decay);
    h[t] = prev;
  }
  return h;
}

/** Pearson correlation of two level tracks over a sliding window of ±half frames (rolling sums). */
export function localCorrelation(x: Float32Array, y: Float32Array, half: number): Float32Array {
  const n = Math.min(x.length, y.length);
  const out = new Float32Array(n);
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, k = 0;
  const add = (t: number, w: number) => {
    const a = x[t]!, b = y[t]!;
    sx += w * a; sy += w * b; sxx += w * a * a; syy += w * b * b; sxy += w * a * b; k += w;
  };
  for (let t = 0; t < Math.min(n, half); t++) add(t, 1);
  for (let t = 0; t < n; t++) {
    if (t + half < n) add(t + half, 1);
    if (t - half - 1 >= 0) add(t - half - 1, -1);
    const cov = sxy - (sx * sy) / k, vx = sxx - (sx * sx) / k, vy = syy - (sy * sy) / k;
    out[t] = vx > 1e-6 && vy > 1e-6 ? cov / Math.sqrt(vx * vy) : 0;
  }
  return out;
}

/** Estimate the coupling from channel j into channel i (levels in dB). */
export function estimateCoupling(
  li: Float32Array,
  lj: Float32Array,
  from: number,
  to: number,
  speechLevelJ: number,
  p: CrosstalkParams = DEFAULT_CROSSTALK,
): { coupling: Coupling; envelope: Float32Array } {
  const n = Math.min(li.length, lj.length);
  const loud: number[] = [];
  for (let t = 0; t < n; t++) if (lj[t]! >= speechLevelJ - 10 && lj[t]! > li[t]!) loud.push(t);
  let bestLag = 0, bestCorr = -Infinity;
  if (loud.length >= 20) {
    for (let d = 0; d <= p.maxLagFrames; d++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, k = 0;
      for (const t of loud) {
        if (t + d >= n) continue;
        const x = lj[t]!, y = li[t + d]!;
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; k++;
      }
      if (k < 20) continue;
      const cov = sxy - (sx * sy) / k, vx = sxx - (sx * sx) / k, vy = syy - (sy * sy) / k;
      const c = vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : 0;
      if (c > bestCorr + 1e-9) { bestCorr = c; bestLag = d; }
    }
  }
  const env = holdEnvelope(lj.subarray(0, n), bestLag, p.holdDecayDb);
  const resid: number[] = [];
  for (const t of loud) if (t + bestLag < n) resid.push(li[t + bestLag]! - env[t + bestLag]!);
  const g = p.fixedGainDb ?? (resid.length ? quantile(resid, 0.5) : -60);
  const spread = resid.length ? quantile(resid.map((r) => r - g), 0.9) : p.minMarginDb;
  const marginDb = Math.min(p.maxMarginDb, Math.max(p.minMarginDb, spread));
  return { coupling: { from, to, lagFrames: bestLag, gainDb: g, marginDb, frames: resid.length }, envelope: env };
}

/**
 * Own-speech regions per channel, from the two channels' 10 ms levels and their VAD regions
 * (see module comment). `totalSeconds` clips the padded regions.
 */
export function rejectCrosstalk(
  levels: [Float32Array, Float32Array],
  speech: [SpeechRegion[], SpeechRegion[]],
  totalSeconds: number,
  overrides: Partial<CrosstalkParams> = {},
): CrosstalkResult {
  const p: CrosstalkParams = { ...DEFAULT_CROSSTALK, ...overrides };
  const n = Math.min(levels[0].length, levels[1].length);
  const L = [levels[0].subarray(0, n), levels[1].subarray(0, n)] as const;
  const vad = [regionMask(speech[0], n), regionMask(speech[1], n)] as const;
  const floorDb = [quantile(L[0], 0.1), quantile(L[1], 0.1)] as [number, number];
  // a first speech level: the loud frames of each channel's VAD speech
  const speechLevel = [0, 1].map((c) => {
    const v: number[] = [];
    for (let t = 0; t < n; t++) if (vad[c]![t]) v.push(L[c]![t]!);
    return v.length ? quantile(v, 0.9) : floorDb[c]! + 30;
  });
  const into0 = estimateCoupling(L[0], L[1], 1, 0, speechLevel[1]!, p);
  const into1 = estimateCoupling(L[1], L[0], 0, 1, speechLevel[0]!, p);
  const est = [into0, into1];
  // own-speech test 1: louder than the predicted bleed and the floor
  const passes = [new Uint8Array(n), new Uint8Array(n)];
  const corr = localCorrelation(L[0], L[1], 15);
  const nearLevelDb: [number, number] = [0, 0];
  for (let c = 0; c < 2; c++) {
    const { coupling, envelope } = est[c]!;
    const own = passes[c]!, l = L[c]!, v = vad[c]!;
    const lv: number[] = [];
    for (let t = 0; t < n; t++) {
      if (!v[t]) continue;
      const ok = l[t]! >= Math.max(envelope[t]! + coupling.gainDb + coupling.marginDb, floorDb[c]! + p.floorMarginDb);
      if (ok) { own[t] = 1; lv.push(l[t]!); }
    }
    nearLevelDb[c] = lv.length ? quantile(lv, 0.9) : speechLevel[c]!;
    // test 2: the near voice, not a faint talker: not far below the near level, and when
    // somewhat below it, not one source heard alike in both channels (a talker elsewhere in
    // the room: the two level tracks move together while this channel does not dominate)
    const minLevel = nearLevelDb[c]! - p.nearRangeDb, commonLevel = nearLevelDb[c]! - p.commonBelowDb;
    const other = L[1 - c]!, dominates = -est[1 - c]!.coupling.gainDb / 2;
    for (let t = 0; t < n; t++) {
      if (!own[t]) continue;
      if (l[t]! < minLevel) own[t] = 0;
      else if (l[t]! < commonLevel && corr[t]! > p.commonCorrelation && l[t]! - other[t]! < dominates) own[t] = 0;
    }
  }
  const seconds: Record<FrameClass, number> = { silence: 0, own0: 0, own1: 0, both: 0, bleed: 0 };
  for (let t = 0; t < n; t++) {
    const o0 = passes[0]![t]!, o1 = passes[1]![t]!;
    const k: FrameClass = o0 && o1 ? "both" : o0 ? "own0" : o1 ? "own1" : vad[0][t] || vad[1][t] ? "bleed" : "silence";
    seconds[k] += FRAME_SECONDS;
  }
  const out = [0, 1].map((c) => ownRegions(passes[c]!, speech[c]!, totalSeconds, p)) as [SpeechRegion[], SpeechRegion[]];
  return { speech: out, coupling: [into0.coupling, into1.coupling], nearLevelDb, floorDb, seconds };
}

/** Groups of own frames inside each VAD region → regions (see module comment, step 3). */
function ownRegions(own: Uint8Array, regions: SpeechRegion[], totalSeconds: number, p: CrosstalkParams): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  const gap = Math.round(p.joinGapSeconds / FRAME_SECONDS), minOwn = Math.round(p.minOwnSeconds / FRAME_SECONDS);
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const a = Math.max(0, Math.floor(r.start / FRAME_SECONDS)), b = Math.min(own.length, Math.ceil(r.end / FRAME_SECONDS));
    let first = -1, last = -1, count = 0;
    const flush = () => {
      if (first >= 0 && count >= minOwn) {
        const s = Math.max(r.start, first * FRAME_SECONDS - p.padBeforeSeconds);
        const e = Math.min(r.end, totalSeconds, (last + 1) * FRAME_SECONDS + p.padAfterSeconds);
        const prev = out[out.length - 1];
        if (prev && s <= prev.end) prev.end = Math.max(prev.end, round3(e));
        else if (e > s) out.push({ start: round3(s), end: round3(e) });
      }
      first = last = -1;
      count = 0;
    };
    for (let t = a; t < b; t++) {
      if (!own[t]) continue;
      if (first >= 0 && t - last > gap) flush();
      if (first < 0) first = t;
      last = t;
      count++;
    }
    flush();
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Per-channel turns (channel c → speaker String(c)) from per-channel regions. */
export function channelTurns(speech: SpeechRegion[][]): Turn[] {
  const turns: Turn[] = [];
  speech.forEach((regs, c) => {
    for (const r of regs) if (r.end > r.start) turns.push({ speaker: String(c), start: r.start, end: r.end });
  });
  return turns.sort((a, b) => a.start - b.start || a.end - b.end);
}
