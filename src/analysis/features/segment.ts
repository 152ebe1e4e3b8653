/**
 * Per-turn acoustic summaries, computed once and shared by every affect metric.
 *
 * A turn is read from `SpeechAudio` in chunks of at most 30 s (bounded memory on multi-hour
 * audio), analysed into 10 ms frames (frames.ts), and reduced to a small summary:
 *
 *  - active frames: frames whose intensity is >= (chunk 99th-percentile intensity - 25 dB) and
 *    >= -60 dBFS (the de Jong & Wempe 2009 silence threshold); their total time is the
 *    phonation time, their mean power the active speech level;
 *  - pitch statistics over voiced active frames, in semitones re 1 Hz;
 *  - mean alpha ratio (dB) and mean periodicity (NCCF peak) over active frames;
 *  - syllable nuclei (de Jong & Wempe 2009): peaks of the (50 ms smoothed) intensity contour
 *    that are above the silence threshold, at least 2 dB above the dip separating them from the
 *    preceding peak, and voiced (pitch found within +-20 ms);
 *  - phrases: stretches of active frames separated by pauses of >= 300 ms, each with its final
 *    pitch movement (used for prosodic question detection);
 *  - `voice`: eGeMAPS-style functionals for the emotion model (Eyben et al. 2016), all from
 *    content below 4 kHz: pitch and loudness percentiles, shimmer- and HNR-like measures,
 *    spectral balance, MFCC 1–12 mean and spread, voiced-run lengths (see `VoiceStats`).
 *
 * Time where another speaker's turn overlaps this one is excluded from the pitch track (`exclude`):
 * in a mono mix the other voice would otherwise be measured as this speaker's pitch.
 */
import type { MetricInput, SpeechAudio, Turn } from "../types.js";
import { analyseFrames, HOP_SECONDS, NUM_MFCC, quantile, hzToSemitones, type FrameTrack } from "./frames.js";

export const CHUNK_SECONDS = 30;
export const SILENCE_DB_BELOW_P99 = 25;
export const MIN_DIP_DB = 2;
export const PHRASE_PAUSE_SECONDS = 0.3;

export interface Phrase {
  start: number;
  end: number;
  /** Median pitch of the final 50 ms of voicing minus the lowest pitch in the phrase's final 600 ms (semitones, >= 0). */
  finalRise: number;
  /** Least-squares pitch slope over the voiced frames of the last 300 ms (semitones/second). */
  finalSlope: number;
  /** Number of voiced frames in the phrase. */
  voicedFrames: number;
}

/**
 * Functionals over a turn's active frames (voiced active frames where it says so). NaN when
 * there was nothing to measure.
 */
export interface VoiceStats {
  /** Pitch percentiles 20/50/80 and standard deviation over voiced frames (semitones). */
  f0P20: number;
  f0P50: number;
  f0P80: number;
  f0Std: number;
  /** Mean rise and mean fall of pitch between successive voiced frames (semitones per 10 ms, both >= 0). */
  f0RiseMean: number;
  f0FallMean: number;
  /** Intensity percentiles 20/50/80 of active frames (dBFS). */
  dbP20: number;
  dbP50: number;
  dbP80: number;
  /** Shimmer-like: mean |dB change| between successive voiced frames. */
  shimmerDb: number;
  /** HNR-like: mean of 10·log10(r / (1 − r)) over voiced frames, r = NCCF peak clipped to 0.01..0.99 (dB). */
  hnrDb: number;
  /** Voiced frames / active frames. */
  voicedRatio: number;
  /** Mean length of voiced runs and of unvoiced stretches inside active speech (seconds). */
  voicedRunMean: number;
  unvoicedRunMean: number;
  alphaStd: number;
  /** Over voiced frames: Hammarberg index (dB), spectral slopes 0–500 and 500–1500 Hz (dB/kHz). */
  hammarbergMean: number;
  slopeLoMean: number;
  slopeHiMean: number;
  /** MFCC 1..12 (100–3800 Hz) mean and standard deviation over active frames. */
  mfccMean: number[];
  mfccStd: number[];
}

class Moments {
  n = 0;
  sum = 0;
  sq = 0;
  add(v: number) {
    if (Number.isNaN(v)) return;
    this.n++;
    this.sum += v;
    this.sq += v * v;
  }
  get mean() {
    return this.n > 0 ? this.sum / this.n : NaN;
  }
  get std() {
    return this.n > 1 ? Math.sqrt(Math.max(0, this.sq / this.n - this.mean ** 2)) : NaN;
  }
}

export interface TurnFeatures {
  turnIndex: number;
  speaker: string;
  start: number;
  end: number;
  duration: number;
  /** Active (above silence threshold) frames and their time. */
  activeFrames: number;
  phonationSeconds: number;
  /** Sum of linear power (mean-square) over active frames. */
  activePowerSum: number;
  /** Mean and standard deviation of the active frames' dB values. */
  dbMean: number;
  dbStd: number;
  voicedFrames: number;
  /** Pitch statistics in semitones re 1 Hz (NaN when unvoiced). */
  f0Median: number;
  f0P10: number;
  f0P90: number;
  /** Mean absolute frame-to-frame pitch change over voiced runs (semitones per 10 ms): roughness/jitter-like. */
  f0Delta: number;
  alphaMean: number;
  voicingMean: number;
  syllables: number;
  phrases: Phrase[];
  voice: VoiceStats;
}

class Growable {
  data = new Float32Array(256);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const d = new Float32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view() {
    return this.data.subarray(0, this.length);
  }
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const a = [...values].sort((p, q) => p - q);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Syllable nuclei (frame indices) of a track, given its silence threshold. */
export function syllableNuclei(track: FrameTrack, threshold: number): number[] {
  const n = track.length;
  const sm = new Float32Array(n);
  // 5-frame triangular smoothing of the dB contour (effective window ~ 60 ms).
  const w = [1, 2, 3, 2, 1];
  for (let i = 0; i < n; i++) {
    let acc = 0;
    let ws = 0;
    for (let k = -2; k <= 2; k++) {
      const j = i + k;
      if (j < 0 || j >= n) continue;
      acc += w[k + 2]! * track.db[j]!;
      ws += w[k + 2]!;
    }
    sm[i] = acc / ws;
  }
  const kept: number[] = [];
  let prevPeak = -1;
  for (let i = 1; i < n - 1; i++) {
    const v = sm[i]!;
    if (!(v > sm[i - 1]! && v >= sm[i + 1]!) || v < threshold) continue;
    let voiced = false;
    for (let k = i - 2; k <= i + 2; k++) if (k >= 0 && k < n && track.f0[k]! > 0) voiced = true;
    if (!voiced) continue;
    if (prevPeak < 0) {
      kept.push(i);
      prevPeak = i;
      continue;
    }
    let dip = Infinity;
    for (let k = prevPeak; k <= i; k++) if (sm[k]! < dip) dip = sm[k]!;
    if (v - dip >= MIN_DIP_DB && sm[prevPeak]! - dip >= MIN_DIP_DB) {
      kept.push(i);
      prevPeak = i;
    } else if (v > sm[prevPeak]!) {
      kept[kept.length - 1] = i; // same syllable, higher peak
      prevPeak = i;
    }
  }
  return kept;
}

function phrasesOf(track: FrameTrack, threshold: number): Phrase[] {
  const out: Phrase[] = [];
  const n = track.length;
  const pauseFrames = Math.round(PHRASE_PAUSE_SECONDS / HOP_SECONDS);
  let i = 0;
  while (i < n) {
    while (i < n && track.db[i]! < threshold) i++;
    if (i >= n) break;
    const s = i;
    let lastActive = i;
    while (i < n && i - lastActive < pauseFrames) {
      if (track.db[i]! >= threshold) lastActive = i;
      i++;
    }
    const e = lastActive;
    const st: number[] = [];
    const times: number[] = [];
    for (let k = s; k <= e; k++) {
      if (track.f0[k]! > 0) {
        st.push(hzToSemitones(track.f0[k]!));
        times.push(k * HOP_SECONDS);
      }
    }
    const phrase: Phrase = {
      start: track.start + s * HOP_SECONDS - HOP_SECONDS / 2,
      end: track.start + e * HOP_SECONDS + HOP_SECONDS / 2,
      finalRise: 0,
      finalSlope: 0,
      voicedFrames: st.length,
    };
    if (st.length >= 15) {
      // Final movement: the last 50 ms of voicing against the lowest pitch of the final 600 ms,
      // over a continuous contour only (the region starts after the last jump of > 2 st
      // between voiced frames ≤ 30 ms apart, or a voicing gap > 150 ms).
      const tEnd = times[times.length - 1]!;
      let from = st.length - 1;
      while (from > 0 && tEnd - times[from - 1]! <= 0.6) {
        const dt = times[from]! - times[from - 1]!;
        if (dt > 0.15 || (dt <= 0.03 && Math.abs(st[from]! - st[from - 1]!) > 2)) break;
        from--;
      }
      const region = st.slice(from);
      if (region.length >= 8) {
        const finalPart = region.slice(-5);
        phrase.finalRise = median(finalPart) - Math.min(...region);
        let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
        for (let k = st.length - 1; k >= from && tEnd - times[k]! <= 0.3; k--) {
          sx += times[k]!; sy += st[k]!; sxx += times[k]! * times[k]!; sxy += times[k]! * st[k]!; m++;
        }
        const den = m * sxx - sx * sx;
        phrase.finalSlope = m >= 5 && den > 0 ? (m * sxy - sx * sy) / den : 0;
      }
    }
    out.push(phrase);
  }
  return out;
}

/** Analyse one turn of `audio`. */
export function analyseTurn(audio: SpeechAudio, turn: Turn, turnIndex = 0, exclude: readonly (readonly [number, number])[] = []): TurnFeatures {
  const start = Math.max(0, turn.start);
  const end = Math.min(audio.duration, turn.end);
  const tf: TurnFeatures = {
    turnIndex,
    speaker: turn.speaker,
    start: turn.start,
    end: turn.end,
    duration: Math.max(0, turn.end - turn.start),
    activeFrames: 0,
    phonationSeconds: 0,
    activePowerSum: 0,
    dbMean: NaN,
    dbStd: NaN,
    voicedFrames: 0,
    f0Median: NaN,
    f0P10: NaN,
    f0P90: NaN,
    f0Delta: NaN,
    alphaMean: NaN,
    voicingMean: NaN,
    syllables: 0,
    phrases: [],
    voice: emptyVoice(),
  };
  if (end - start < 0.05) return tf;
  const f0s = new Growable();
  const dbs = new Growable();
  const rise = new Moments(), fall = new Moments(), shimmer = new Moments(), hnr = new Moments(), alphaM = new Moments();
  const hamm = new Moments(), slopeLo = new Moments(), slopeHi = new Moments();
  const mf = Array.from({ length: NUM_MFCC }, () => new Moments());
  const voicedRuns = new Moments(), unvoicedRuns = new Moments();
  let dbSum = 0, dbSq = 0, alphaSum = 0, alphaN = 0, voicingSum = 0, deltaSum = 0, deltaN = 0;
  for (let cs = start; cs < end; cs += CHUNK_SECONDS) {
    const ce = Math.min(end, cs + CHUNK_SECONDS);
    if (ce - cs < 0.05) break;
    const samples = audio.read(turn.speaker, cs, ce);
    const track = analyseFrames(samples, cs);
    if (track.length === 0) continue;
    for (const [xs, xe] of exclude) {
      const a = Math.max(0, Math.floor((xs - track.start) / HOP_SECONDS));
      const b = Math.min(track.length, Math.ceil((xe - track.start) / HOP_SECONDS) + 1);
      for (let i = a; i < b; i++) track.f0[i] = 0;
    }
    const threshold = Math.max(-60, quantile(track.db, 0.99) - SILENCE_DB_BELOW_P99);
    let prevSt = NaN;
    let prevDb = NaN;
    let run = 0; // > 0: voiced run length, < 0: unvoiced run length (frames), within active speech
    const endRun = () => {
      if (run > 0) voicedRuns.add(run * HOP_SECONDS);
      else if (run < 0) unvoicedRuns.add(-run * HOP_SECONDS);
      run = 0;
    };
    for (let i = 0; i < track.length; i++) {
      const d = track.db[i]!;
      if (d < threshold) {
        prevSt = NaN;
        prevDb = NaN;
        endRun();
        continue;
      }
      dbs.push(d);
      alphaM.add(track.alpha[i]!);
      if (!Number.isNaN(track.mfcc[i * NUM_MFCC]!)) for (let k = 0; k < NUM_MFCC; k++) mf[k]!.add(track.mfcc[i * NUM_MFCC + k]!);
      if (track.f0[i]! > 0) {
        if (!Number.isNaN(prevDb)) shimmer.add(Math.abs(d - prevDb));
        prevDb = d;
        const r = Math.min(0.99, Math.max(0.01, track.voicing[i]!));
        hnr.add(10 * Math.log10(r / (1 - r)));
        hamm.add(track.hammarberg[i]!);
        slopeLo.add(track.slopeLo[i]!);
        slopeHi.add(track.slopeHi[i]!);
        if (run < 0) endRun();
        run++;
      } else {
        prevDb = NaN;
        if (run > 0) endRun();
        run--;
      }
      tf.activeFrames++;
      tf.activePowerSum += Math.pow(10, d / 10);
      dbSum += d;
      dbSq += d * d;
      voicingSum += track.voicing[i]!;
      const a = track.alpha[i]!;
      if (!Number.isNaN(a)) {
        alphaSum += a;
        alphaN++;
      }
      const f = track.f0[i]!;
      if (f > 0) {
        const st = hzToSemitones(f);
        f0s.push(st);
        if (!Number.isNaN(prevSt)) {
          deltaSum += Math.abs(st - prevSt);
          deltaN++;
          if (st >= prevSt) rise.add(st - prevSt);
          else fall.add(prevSt - st);
        }
        prevSt = st;
      } else prevSt = NaN;
    }
    endRun();
    tf.syllables += syllableNuclei(track, threshold).length;
    tf.phrases.push(...phrasesOf(track, threshold));
  }
  tf.phonationSeconds = tf.activeFrames * HOP_SECONDS;
  if (tf.activeFrames > 0) {
    tf.dbMean = dbSum / tf.activeFrames;
    tf.dbStd = Math.sqrt(Math.max(0, dbSq / tf.activeFrames - tf.dbMean * tf.dbMean));
    tf.voicingMean = voicingSum / tf.activeFrames;
  }
  if (alphaN > 0) tf.alphaMean = alphaSum / alphaN;
  tf.voicedFrames = f0s.length;
  if (f0s.length > 0) {
    const v = f0s.view();
    tf.f0Median = quantile(v, 0.5);
    tf.f0P10 = quantile(v, 0.1);
    tf.f0P90 = quantile(v, 0.9);
  }
  if (deltaN > 0) tf.f0Delta = deltaSum / deltaN;
  const v = tf.voice;
  if (f0s.length > 0) {
    const f = f0s.view();
    v.f0P20 = quantile(f, 0.2);
    v.f0P50 = tf.f0Median;
    v.f0P80 = quantile(f, 0.8);
    const m = new Moments();
    for (let i = 0; i < f.length; i++) m.add(f[i]!);
    v.f0Std = m.std;
  }
  if (dbs.length > 0) {
    const d = dbs.view();
    v.dbP20 = quantile(d, 0.2);
    v.dbP50 = quantile(d, 0.5);
    v.dbP80 = quantile(d, 0.8);
  }
  v.f0RiseMean = rise.n + fall.n > 0 ? rise.sum / (rise.n + fall.n) : NaN;
  v.f0FallMean = rise.n + fall.n > 0 ? fall.sum / (rise.n + fall.n) : NaN;
  v.shimmerDb = shimmer.mean;
  v.hnrDb = hnr.mean;
  v.voicedRatio = tf.activeFrames > 0 ? tf.voicedFrames / tf.activeFrames : NaN;
  v.voicedRunMean = voicedRuns.mean;
  v.unvoicedRunMean = unvoicedRuns.mean;
  v.alphaStd = alphaM.std;
  v.hammarbergMean = hamm.mean;
  v.slopeLoMean = slopeLo.mean;
  v.slopeHiMean = slopeHi.mean;
  v.mfccMean = mf.map((m) => m.mean);
  v.mfccStd = mf.map((m) => m.std);
  return tf;
}

function emptyVoice(): VoiceStats {
  return {
    f0P20: NaN, f0P50: NaN, f0P80: NaN, f0Std: NaN, f0RiseMean: NaN, f0FallMean: NaN,
    dbP20: NaN, dbP50: NaN, dbP80: NaN, shimmerDb: NaN, hnrDb: NaN, voicedRatio: NaN,
    voicedRunMean: NaN, unvoicedRunMean: NaN, alphaStd: NaN, hammarbergMean: NaN,
    slopeLoMean: NaN, slopeHiMean: NaN,
    mfccMean: new Array<number>(NUM_MFCC).fill(NaN), mfccStd: new Array<number>(NUM_MFCC).fill(NaN),
  };
}

/** Other speakers' turns overlapping `turns[i]`, as [start, end] spans clipped to it. */
export function overlapsOf(turns: Turn[], i: number): [number, number][] {
  const t = turns[i]!;
  const out: [number, number][] = [];
  for (const o of turns) {
    if (o.speaker === t.speaker) continue;
    const s = Math.max(o.start, t.start);
    const e = Math.min(o.end, t.end);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/** Analyse every turn of the input (in order). */
export function analyseTurns(input: MetricInput): TurnFeatures[] {
  return input.turns.map((t, i) => analyseTurn(input.audio, t, i, overlapsOf(input.turns, i)));
}

/** Speakers in order of first appearance. */
export function speakersOf(turns: Turn[]): string[] {
  const seen: string[] = [];
  for (const t of turns) if (!seen.includes(t.speaker)) seen.push(t.speaker);
  return seen;
}
