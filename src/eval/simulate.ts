/**
 * Simulated conversations from single-speaker clips (RAVDESS, ../shared/train/ravdess), with
 * known truth: a development tool for the speaker count and clustering, so that rules are
 * fitted and checked on hundreds of cases instead of seven clips.
 *
 * A conversation of N speakers (1–6) and about `seconds` seconds:
 * - every speaker talks at least once (the first N turns go round the group in random
 *   order); afterwards the next speaker is drawn by per-speaker weights (0.5–1.5: some talk
 *   more), never the one who just spoke;
 * - a turn is 1–2 clips of that speaker (speech extent by energy), 0.15–0.35 s apart;
 * - between turns: a pause of 0.2–1.2 s, or (20%) an overlap: the next turn starts
 *   0.2–0.7 s before the previous one ends;
 * - backchannels (25% of turns with N ≥ 2): 0.3–0.7 s from the middle of another speaker's
 *   clip, 6 dB quieter, placed inside the turn (overlapping it);
 * - per-speaker level −6..0 dB (distance to the microphone), one channel condition for the
 *   whole mix (augment.ts: wide / tel / far).
 * Truth: one segment per placed clip piece (turns may overlap).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAudio16k } from "../analysis/diarization/io.js";
import { applyCondition, rng, speechExtent, type Condition } from "./augment.js";
import type { Segment } from "./der.js";

export interface SimClip {
  actor: number;
  file: string;
  /** Clean 16 kHz samples cut to the speech extent, RMS-normalised to 0.05. */
  samples: Float32Array;
}

export interface SimConversation {
  samples: Float32Array;
  segments: Segment[];
  speakers: number;
  actors: number[];
  condition: Condition;
  seconds: number;
}

export interface SimOptions {
  speakers: number;
  seconds: number;
  condition: Condition;
  seed: number;
  /**
   * Each turn's clips are replaced by "scrambled" utterances of the same speaker: fragments of
   * 0.25–0.6 s from random clips at random offsets, cross-faded over 10 ms, 2–3.5 s long. Every
   * RAVDESS actor says the same two sentences, so unscrambled windows match by their words, for
   * one speaker and across speakers alike (bench/window-similarity.ts); scrambling breaks that.
   */
  scramble?: boolean;
}

export const RAVDESS_DIR = "../shared/train/ravdess";

/** Loads RAVDESS clips (labels.json), cut to their speech extent; `actors` restricts the set. */
export async function loadClips(dir: string, actors?: number[]): Promise<SimClip[]> {
  const labels = JSON.parse(readFileSync(join(dir, "labels.json"), "utf8")) as { file: string; actor: number }[];
  const want = actors ? new Set(actors) : undefined;
  const out: SimClip[] = [];
  for (const l of [...labels].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    if (want && !want.has(l.actor)) continue;
    const a = await loadAudio16k(join(dir, l.file));
    const x = a.channels[0]!;
    const ext = speechExtent(x);
    if (!ext || ext.end - ext.start < 8000) continue;
    const y = x.slice(ext.start, ext.end);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * y[i]!;
    const g = 0.05 / Math.sqrt(s / y.length + 1e-12);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
    out.push({ actor: l.actor, file: l.file, samples: y });
  }
  return out;
}

/** RAVDESS clips that sound like conversation: normal intensity, neutral / calm / happy / sad (file name 03-01-EMO-INT-...). */
export function isConversational(file: string): boolean {
  const p = file.split("-");
  return p[3] === "01" && ["01", "02", "03", "04"].includes(p[2]!);
}

/** Groups clips by actor (sorted by actor id). */
export function byActor(clips: SimClip[]): Map<number, SimClip[]> {
  const m = new Map<number, SimClip[]>();
  for (const c of clips) {
    if (!m.has(c.actor)) m.set(c.actor, []);
    m.get(c.actor)!.push(c);
  }
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}

function pick<T>(r: () => number, xs: T[]): T {
  return xs[Math.min(xs.length - 1, Math.floor(r() * xs.length))]!;
}

function shuffle<T>(r: () => number, xs: T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const SR = 16000;

/** Builds one conversation. Deterministic in (pool, options). */
export function simulateConversation(pool: Map<number, SimClip[]>, o: SimOptions): SimConversation {
  const r = rng(o.seed * 7919 + o.speakers * 104729 + 13);
  const actors = shuffle(r, [...pool.keys()]).slice(0, o.speakers);
  if (actors.length < o.speakers) throw new Error(`need ${o.speakers} actors, pool has ${actors.length}`);
  const weight = actors.map(() => 0.5 + r());
  const gain = actors.map(() => 10 ** (-(6 * r()) / 20));
  const pieces: { spk: number; at: number; x: Float32Array; g: number }[] = [];
  let t = 0.3;
  let prev = -1;
  let prevStart = 0;
  const order = shuffle(r, actors.map((_, i) => i));
  let turn = 0;
  while (t < o.seconds) {
    let spk: number;
    if (turn < order.length) spk = order[turn]!;
    else {
      const cand = actors.map((_, i) => i).filter((i) => i !== prev || actors.length === 1);
      const tot = cand.reduce((a, i) => a + weight[i]!, 0);
      let u = r() * tot;
      spk = cand[cand.length - 1]!;
      for (const i of cand) { u -= weight[i]!; if (u <= 0) { spk = i; break; } }
    }
    const clips = pool.get(actors[spk]!)!;
    const nClips = r() < 0.5 ? 1 : 2;
    const start = t;
    let te = t;
    for (let c = 0; c < nClips; c++) {
      const x = o.scramble ? scrambledUtterance(r, clips) : pick(r, clips).samples;
      pieces.push({ spk, at: te, x, g: gain[spk]! });
      te += x.length / SR;
      if (c + 1 < nClips) te += 0.15 + 0.2 * r();
    }
    if (actors.length > 1 && r() < 0.25 && te - start > 1.2) {
      const other = pick(r, actors.map((_, i) => i).filter((i) => i !== spk));
      const src = pick(r, pool.get(actors[other]!)!).samples;
      const len = Math.min(src.length, Math.round((0.3 + 0.4 * r()) * SR));
      const from = Math.max(0, Math.floor((src.length - len) / 2));
      const at = start + 0.3 + r() * Math.max(0, te - start - 0.6 - len / SR);
      pieces.push({ spk: other, at, x: src.subarray(from, from + len), g: gain[other]! * 0.5 });
    }
    prevStart = start;
    prev = spk;
    turn++;
    t = r() < 0.2 && actors.length > 1 ? Math.max(prevStart + 0.5, te - (0.2 + 0.5 * r())) : te + 0.2 + r();
  }
  const end = Math.max(...pieces.map((p) => p.at + p.x.length / SR)) + 0.3;
  const mix = new Float32Array(Math.ceil(end * SR));
  const segments: Segment[] = [];
  for (const p of pieces) {
    const o0 = Math.round(p.at * SR);
    for (let i = 0; i < p.x.length && o0 + i < mix.length; i++) mix[o0 + i] = mix[o0 + i]! + p.g * p.x[i]!;
    segments.push({ speaker: String(actors[p.spk]), start: o0 / SR, end: (o0 + p.x.length) / SR });
  }
  segments.sort((a, b) => a.start - b.start);
  const samples = applyCondition(mix, o.condition, r);
  return { samples, segments, speakers: o.speakers, actors, condition: o.condition, seconds: samples.length / SR };
}

/** One speaker's pseudo-utterance of random fragments (see SimOptions.scramble). */
function scrambledUtterance(r: () => number, clips: SimClip[]): Float32Array {
  const total = Math.round((2 + 1.5 * r()) * SR);
  const fade = Math.round(0.01 * SR);
  const out = new Float32Array(total + fade);
  let at = 0;
  while (at < total) {
    const src = pick(r, clips).samples;
    const len = Math.min(src.length, Math.round((0.25 + 0.35 * r()) * SR));
    const from = Math.floor(r() * Math.max(1, src.length - len));
    for (let i = 0; i < len && at + i < out.length; i++) {
      // raised-cosine fade in and out so that the joins do not click
      const w = i < fade ? 0.5 - 0.5 * Math.cos((Math.PI * i) / fade) : i >= len - fade ? 0.5 - 0.5 * Math.cos((Math.PI * (len - i)) / fade) : 1;
      out[at + i] = out[at + i]! + w * src[from + i]!;
    }
    at += len - fade;
  }
  return out.subarray(0, Math.min(out.length, at + fade));
}

/** Union of the truth segments (oracle speech regions). */
export function truthSpeech(segs: Segment[]): { start: number; end: number }[] {
  const s = [...segs].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const g of s) {
    const last = out[out.length - 1];
    if (last && g.start <= last.end) last.end = Math.max(last.end, g.end);
    else out.push({ start: g.start, end: g.end });
  }
  return out;
}
