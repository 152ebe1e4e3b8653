/**
 * `npm run eval:make-crosstalk [-- <shared eval dir> <out dir>]`
 * `npm run eval:make-crosstalk -- --check [--seed N] [<ravdess dir> <out dir>]`
 *
 * Builds the stereo cross-talk development cases (default: from ../shared/eval into
 * eval-data/crosstalk/, which is gitignored: nothing derived from ../shared/eval is committed).
 * `--check` builds a second, held-out set (eval-data/crosstalk-check/) that the stage's
 * parameters were not chosen on: eight calls of other speakers (RAVDESS actors 09–24 of
 * ../shared/train/ravdess), each with its conditions drawn from a seeded RNG within the ranges
 * of the issue (leak −15…−25 dB, 1–8 ms, reverb 30–90%, party levels 0–8 dB apart, 8 or 16 kHz,
 * half with a faint third talker at −18…−24 dB, a quarter with a far-end echo 100–250 ms late).
 * `--seed N` draws another such set (default 2026; out dir eval-data/crosstalk-check-N).
 * Deterministic: fixed arrangement seeds, sox effects without dither, our own 16-bit writer.
 *
 * Each case is a two-party call with one party per channel, built from clean recordings of
 * different single speakers (RAVDESS actors of ../shared/eval/emotion, or the two channels of
 * the real SpokenWOZ call in ../shared/eval/stereo), arranged in turns with pauses and a few
 * true overlaps (the second party starts before the first stops: an interruption). Then each
 * party leaks into the other's channel (attenuated, a few ms late, through sox `reverb`), as a
 * headset / speakerphone call sounds; variants add a faint third talker in both channels
 * (background talk) or an echo-like return of the far end (delayed 120–180 ms, band-passed).
 *
 * Ground truth (X.json, the eval format): `segments: [{speaker, start, end}]` = where each
 * party's *clean* signal is speech (10 ms energy frames ≥ the clip's peak − 30 dB and ≥ −55
 * dBFS, gaps < 0.3 s bridged), `duration`, and the recipe. Needs sox (apt-get install sox).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { rng } from "../src/eval/augment.js";

const argv = process.argv.slice(2).filter((a) => a !== "--");
const CHECK = argv.includes("--check");
const seedAt = argv.indexOf("--seed");
const SEED = seedAt >= 0 ? Number(argv[seedAt + 1]) : 2026;
const args = argv.filter((a, i) => a !== "--check" && i !== seedAt && i !== seedAt + 1);
const SHARED = resolve(args[0] ?? join(import.meta.dirname, "..", "..", "shared", CHECK ? "train/ravdess" : "eval"));
const OUT = resolve(args[1] ?? join(import.meta.dirname, "..", "eval-data", CHECK ? (SEED === 2026 ? "crosstalk-check" : `crosstalk-check-${SEED}`) : "crosstalk"));

interface Seg {
  speaker: string;
  start: number;
  end: number;
}

// ---- sox helpers (raw float32 mono in/out) --------------------------------------------

function sox(input: Float32Array | string, rate: number, effects: string[]): Float32Array {
  const inArgs = typeof input === "string" ? [input] : ["-t", "f32", "-r", String(rate), "-c", "1", "-"];
  const out = execFileSync("sox", ["-D", "-V1", ...inArgs, "-t", "f32", "-r", String(rate), "-c", "1", "-", ...effects], {
    input: typeof input === "string" ? undefined : Buffer.from(input.buffer, input.byteOffset, input.byteLength),
    maxBuffer: 1 << 30,
  });
  return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4).slice();
}

/** A file's channel `ch` (0-based, or the down-mix when undefined) at `rate`. */
function load(path: string, rate: number, ch?: number): Float32Array {
  return sox(path, rate, ch === undefined ? [] : ["remix", String(ch + 1)]);
}

function writeWav16(path: string, rate: number, chans: Float32Array[]): void {
  const n = chans[0]!.length, nc = chans.length;
  const b = Buffer.alloc(44 + n * nc * 2);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + n * nc * 2, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(nc, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * nc * 2, 28);
  b.writeUInt16LE(nc * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(n * nc * 2, 40);
  let o = 44;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < nc; c++) {
      const v = Math.max(-1, Math.min(1, chans[c]![i]!));
      b.writeInt16LE(Math.round(v * 32767), o);
      o += 2;
    }
  writeFileSync(path, b);
}

// ---- signal helpers ----------------------------------------------------------------------

function frameDb(x: Float32Array, rate: number): Float32Array {
  const hop = rate / 100;
  const n = Math.floor(x.length / hop);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += x[i]! * x[i]!;
    out[f] = 10 * Math.log10(s / hop + 1e-12);
  }
  return out;
}

/** Speech extents of a clean signal: frames ≥ max(peak − 30, −55) dB, gaps < 0.3 s bridged, blips < 0.1 s dropped. */
function activity(x: Float32Array, rate: number): { start: number; end: number }[] {
  const db = frameDb(x, rate);
  let peak = -120;
  for (const v of db) peak = Math.max(peak, v);
  const thr = Math.max(peak - 30, -55);
  const regs: { start: number; end: number }[] = [];
  let s = -1;
  for (let f = 0; f <= db.length; f++) {
    const on = f < db.length && db[f]! >= thr;
    if (on && s < 0) s = f;
    if (!on && s >= 0) {
      const last = regs[regs.length - 1];
      if (last && s / 100 - last.end < 0.3) last.end = f / 100;
      else regs.push({ start: s / 100, end: f / 100 });
      s = -1;
    }
  }
  return regs.filter((r) => r.end - r.start >= 0.1);
}

/** Clip trimmed to its speech extent, scaled to −20 dBFS RMS over its active frames. */
function prepareClip(x: Float32Array, rate: number): Float32Array {
  const a = activity(x, rate);
  if (!a.length) return new Float32Array(0);
  const y = x.slice(Math.floor(a[0]!.start * rate), Math.ceil(a[a.length - 1]!.end * rate));
  let s = 0, n = 0;
  const db = frameDb(y, rate);
  let peak = -120;
  for (const v of db) peak = Math.max(peak, v);
  for (const v of db) if (v > peak - 30) { s += 10 ** (v / 10); n++; }
  const g = 10 ** ((-20 - 10 * Math.log10(s / Math.max(1, n))) / 20);
  for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
  return y;
}

function addInto(dst: Float32Array, src: Float32Array, at: number, gain = 1): void {
  for (let i = 0; i < src.length && at + i < dst.length; i++) if (at + i >= 0) dst[at + i] = dst[at + i]! + gain * src[i]!;
}

/** x delayed by `ms`, through sox effects (reverb / band-pass), at `db` relative level. */
function leak(x: Float32Array, rate: number, db: number, ms: number, effects: string[]): Float32Array {
  const y = effects.length ? sox(x, rate, effects) : x.slice();
  const d = Math.round((ms / 1000) * rate);
  const out = new Float32Array(x.length);
  const g = 10 ** (db / 20);
  for (let i = d; i < x.length; i++) out[i] = g * (y[i - d] ?? 0);
  return out;
}

// ---- conversation arrangement -------------------------------------------------------------

interface Conversation {
  rate: number;
  party: [Float32Array, Float32Array];
  truth: Seg[];
  duration: number;
}

/**
 * Turns alternate between the parties; a turn is 1–3 clips of that party (0.25 s apart);
 * pauses 0.4–1.2 s; about one turn in five starts 0.6–1.2 s before the other stops (a true
 * overlap, which the second party then talks through: an interruption).
 */
function converse(clips: [Float32Array[], Float32Array[]], rate: number, seed: number, seconds: number): Conversation {
  const r = rng(seed);
  const placed: { p: 0 | 1; at: number; clip: Float32Array }[] = [];
  let t = 0.5, p: 0 | 1 = 0;
  const next = [0, 0];
  let overlaps = 0;
  while (t < seconds) {
    const k = 1 + Math.floor(r() * 3);
    let at = t;
    for (let j = 0; j < k; j++) {
      const list = clips[p];
      const clip = list[next[p]! % list.length]!;
      next[p]!++;
      placed.push({ p, at, clip });
      at += clip.length / rate + 0.25;
    }
    const end = at - 0.25;
    const overlap = placed.length > 2 && r() < 0.22 && overlaps < 6;
    if (overlap) overlaps++;
    t = overlap ? end - (0.6 + 0.6 * r()) : end + 0.4 + 0.8 * r();
    p = p === 0 ? 1 : 0;
  }
  const duration = Math.ceil(Math.max(...placed.map((c) => c.at + c.clip.length / rate)) + 1);
  const party: [Float32Array, Float32Array] = [new Float32Array(duration * rate), new Float32Array(duration * rate)];
  for (const c of placed) addInto(party[c.p], c.clip, Math.round(c.at * rate));
  const truth = [0, 1].flatMap((q) => activity(party[q]!, rate).map((a) => ({ speaker: q === 0 ? "A" : "B", ...a })));
  return { rate, party, truth: truth.sort((a, b) => a.start - b.start), duration };
}

function ravdessActor(dir: string, actor: string, rate: number): Float32Array[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(`-${actor}.wav`))
    .sort()
    .map((f) => prepareClip(load(join(dir, f), rate), rate))
    .filter((c) => c.length > 0);
}

function noise(n: number, db: number, seed: number): Float32Array {
  const r = rng(seed), g = 10 ** (db / 20) * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g * (2 * r() - 1);
  return out;
}

// ---- the cases -------------------------------------------------------------------------------

interface CaseSpec {
  name: string;
  recipe: string;
  build(): { rate: number; chans: [Float32Array, Float32Array]; truth: Seg[]; duration: number };
}

const REVERB = (room: number) => ["reverb", "50", "50", String(room), "100", "10"];

function crossLeak(c: Conversation, db: [number, number], ms: [number, number], room: number): [Float32Array, Float32Array] {
  const { rate, party } = c;
  const ch0 = party[0].slice(), ch1 = party[1].slice();
  const l10 = leak(party[1], rate, db[0], ms[0], REVERB(room)); // B heard by A's microphone
  const l01 = leak(party[0], rate, db[1], ms[1], REVERB(room)); // A heard by B's microphone
  addInto(ch0, l10, 0);
  addInto(ch1, l01, 0);
  return [ch0, ch1];
}

function writeCase(name: string, recipe: string, built: ReturnType<CaseSpec["build"]>): void {
  writeWav16(join(OUT, `${name}.wav`), built.rate, built.chans);
  const truth = {
    duration: Math.round(built.duration * 100) / 100,
    recipe,
    channels: { A: 0, B: 1 },
    segments: built.truth.map((s) => ({ speaker: s.speaker, start: Math.round(s.start * 100) / 100, end: Math.round(s.end * 100) / 100 })),
  };
  writeFileSync(join(OUT, `${name}.json`), JSON.stringify(truth, null, 1) + "\n");
  console.log(`${name}: ${truth.duration}s, ${truth.segments.length} truth segments — ${recipe}`);
}

/** The held-out set: conditions drawn at random (seeded) per case, other speakers. */
function mainCheck(): void {
  if (!existsSync(SHARED)) throw new Error(`missing ${SHARED}`);
  mkdirSync(OUT, { recursive: true });
  const r = rng(SEED);
  const pick = (lo: number, hi: number) => Math.round((lo + (hi - lo) * r()) * 10) / 10;
  const actors = Array.from({ length: 16 }, (_, i) => String(9 + i).padStart(2, "0"));
  for (let k = 0; k < 8; k++) {
    const rate = k % 2 === 0 ? 8000 : 16000;
    const off = (((SEED - 2026) % 16) + 16) % 16; // other pairings for other seeds
    const pa = actors[(2 * k + off) % 16]!, pb = actors[(2 * k + 3 + off) % 16]!;
    const bg = actors[(2 * k + 7 + off) % 16]!;
    const prep = (a: string) => ravdessActor(SHARED, a, rate).map((c) => (rate === 8000 ? sox(c, rate, ["sinc", "300-3400"]) : c)).slice(0, 24);
    const c = converse([prep(pa), prep(pb)], rate, SEED + 100 + k, 60);
    const levelDiff = pick(0, 8);
    for (let i = 0; i < c.party[1].length; i++) c.party[1][i] = c.party[1][i]! * 10 ** (-levelDiff / 20);
    const leakDb: [number, number] = [pick(-25, -15), pick(-25, -15)];
    const ms: [number, number] = [pick(1, 8), pick(1, 8)];
    const room = Math.round(pick(30, 90));
    const [a, b] = crossLeak(c, leakDb, ms, room);
    let recipe = `RAVDESS actors ${pa} (ch0) / ${pb} (ch1, ${levelDiff} dB quieter), ${rate} Hz; leak ${leakDb[0]} / ${leakDb[1]} dB, ${ms[0]} / ${ms[1]} ms, reverb ${room}%`;
    if (k % 2 === 1) {
      const third = converse([prep(bg), prep(bg)], rate, SEED + 200 + k, 60).party;
      const t = new Float32Array(a.length);
      addInto(t, third[0], 0);
      const bgDb = pick(-24, -18);
      addInto(a, leak(t, rate, bgDb, 6, REVERB(80)), 0);
      addInto(b, leak(t, rate, bgDb - 2, 9, REVERB(80)), 0);
      recipe += `; third talker actor ${bg} at ${bgDb} / ${bgDb - 2} dB in both channels`;
    }
    if (k % 4 === 2) {
      const ems = Math.round(pick(100, 250)), edb = pick(-18, -12);
      addInto(a, leak(c.party[1], rate, edb, ems, ["sinc", "400-3000", ...REVERB(20)]), 0);
      recipe += `; far-end echo in ch0 ${ems} ms late at ${edb} dB`;
    }
    const nz = pick(-65, -55);
    addInto(a, noise(a.length, nz, SEED + 300 + k), 0);
    addInto(b, noise(b.length, nz, SEED + 400 + k), 0);
    writeCase(`xtc-${String(k + 1).padStart(2, "0")}-${rate / 1000}k`, recipe + `; noise ${nz} dBFS`, { rate, chans: [a, b], truth: c.truth, duration: c.duration });
  }
  console.log(`wrote 8 held-out cases to ${OUT}`);
}

function main(): void {
  if (CHECK) return mainCheck();
  const emo = join(SHARED, "emotion");
  const stereo = join(SHARED, "stereo", "MUL1011_8k_stereo.wav");
  for (const p of [emo, stereo]) if (!existsSync(p)) throw new Error(`missing ${p}`);
  mkdirSync(OUT, { recursive: true });
  const R16 = 16000, R8 = 8000;
  const actors16 = (a: string) => ravdessActor(emo, a, R16);
  const actors8 = (a: string) => ravdessActor(emo, a, R8).map((c) => sox(c, R8, ["sinc", "300-3400"]));

  const cases: CaseSpec[] = [
    {
      name: "xt-leak15-16k",
      recipe: "RAVDESS actors 01 (ch0) / 02 (ch1) in turns; each leaks into the other channel at −15 dB, 3 ms late, sox reverb 60%; noise −65 dBFS",
      build() {
        const c = converse([actors16("01"), actors16("02")], R16, 11, 75);
        const [a, b] = crossLeak(c, [-15, -15], [3, 3], 60);
        addInto(a, noise(a.length, -65, 1), 0);
        addInto(b, noise(b.length, -65, 2), 0);
        return { rate: R16, chans: [a, b], truth: c.truth, duration: c.duration };
      },
    },
    {
      name: "xt-leak25-8k",
      recipe: "RAVDESS actors 03 / 04, telephone band 300–3400 Hz at 8 kHz; leak −25 dB (ch0) and −20 dB (ch1), 5 ms late, reverb 40%; noise −60 dBFS",
      build() {
        const c = converse([actors8("03"), actors8("04")], R8, 12, 75);
        const [a, b] = crossLeak(c, [-25, -20], [5, 5], 40);
        addInto(a, noise(a.length, -60, 3), 0);
        addInto(b, noise(b.length, -60, 4), 0);
        return { rate: R8, chans: [a, b], truth: c.truth, duration: c.duration };
      },
    },
    {
      name: "xt-background-16k",
      recipe: "RAVDESS actors 01 / 04, leak −20 dB, 4 ms, reverb 70%; plus a third talker (LibriVox reader, JFK, the read-sentence speaker, looped) mixed into both channels at −20 dB (ch0) / −22 dB (ch1) through reverb, 6 and 9 ms late; not part of either party's truth",
      build() {
        const c = converse([actors16("01"), actors16("04")], R16, 13, 75);
        const [a, b] = crossLeak(c, [-20, -20], [4, 4], 70);
        const asr = join(SHARED, "asr");
        const srcs = [
          ...readdirSync(join(asr, "librivox")).sort().map((f) => join(asr, "librivox", f)),
          join(asr, "jfk.wav"),
          ...readdirSync(join(asr, "read")).sort().map((f) => join(asr, "read", f)),
        ];
        const bg = new Float32Array(a.length);
        let at = Math.round(2 * R16);
        for (let k = 0; at < bg.length; k++) {
          const clip = prepareClip(load(srcs[k % srcs.length]!, R16), R16);
          addInto(bg, clip, at);
          at += clip.length + Math.round(1.5 * R16);
        }
        addInto(a, leak(bg, R16, -20, 6, REVERB(80)), 0);
        addInto(b, leak(bg, R16, -22, 9, REVERB(80)), 0);
        addInto(a, noise(a.length, -65, 5), 0);
        addInto(b, noise(b.length, -65, 6), 0);
        return { rate: R16, chans: [a, b], truth: c.truth, duration: c.duration };
      },
    },
    {
      name: "xt-echo-8k",
      recipe: "RAVDESS actors 02 / 03, telephone band at 8 kHz; echo: each channel carries the far end back 180 ms (ch0, −12 dB) / 120 ms (ch1, −15 dB) late, band-passed 400–3000 Hz with a light reverb, plus a −25 dB direct leak; noise −60 dBFS",
      build() {
        const c = converse([actors8("02"), actors8("03")], R8, 14, 75);
        const [a, b] = crossLeak(c, [-25, -25], [3, 3], 30);
        addInto(a, leak(c.party[1], R8, -12, 180, ["sinc", "400-3000", ...REVERB(20)]), 0);
        addInto(b, leak(c.party[0], R8, -15, 120, ["sinc", "400-3000", ...REVERB(20)]), 0);
        addInto(a, noise(a.length, -60, 7), 0);
        addInto(b, noise(b.length, -60, 8), 0);
        return { rate: R8, chans: [a, b], truth: c.truth, duration: c.duration };
      },
    },
    {
      name: "xt-unequal-16k",
      recipe: "RAVDESS actors 03 / 02; party B 8 dB quieter than A; each party's own channel through a small room (reverb 20%); leak −18 dB (B into ch0) / −22 dB (A into ch1), 7 ms late, reverb 90%; noise −58 dBFS",
      build() {
        const c = converse([actors16("03"), actors16("02")], R16, 15, 75);
        for (let i = 0; i < c.party[1].length; i++) c.party[1][i] = c.party[1][i]! * 10 ** (-8 / 20);
        const dry: [Float32Array, Float32Array] = [c.party[0], c.party[1]];
        const near = dry.map((x) => sox(x, R16, REVERB(20)).subarray(0, x.length)) as [Float32Array, Float32Array];
        const a = near[0].slice(), b = near[1].slice();
        addInto(a, leak(dry[1], R16, -18, 7, REVERB(90)), 0);
        addInto(b, leak(dry[0], R16, -22, 7, REVERB(90)), 0);
        addInto(a, noise(a.length, -58, 9), 0);
        addInto(b, noise(b.length, -58, 10), 0);
        return { rate: R16, chans: [a, b], truth: c.truth, duration: c.duration };
      },
    },
    {
      name: "xt-spokenwoz-8k",
      recipe: "the real SpokenWOZ call MUL1011 (../shared/eval/stereo), each channel leaked into the other at −18 dB, 4 ms late, reverb 50%; truth = that call's derived_channel_activity (an energy estimate, not human)",
      build() {
        const a0 = load(stereo, R8, 0), a1 = load(stereo, R8, 1);
        const truthSrc = JSON.parse(readFileSync(join(SHARED, "stereo", "MUL1011.json"), "utf8")) as { derived_channel_activity: { segments: Seg[] } };
        const truth = truthSrc.derived_channel_activity.segments.map((s) => ({ speaker: s.speaker.startsWith("ch0") ? "A" : "B", start: s.start, end: s.end }));
        const conv: Conversation = { rate: R8, party: [a0, a1], truth, duration: a0.length / R8 };
        const [a, b] = crossLeak(conv, [-18, -18], [4, 4], 50);
        return { rate: R8, chans: [a, b], truth, duration: conv.duration };
      },
    },
  ];

  for (const c of cases) writeCase(c.name, c.recipe, c.build());
  console.log(`wrote ${cases.length} cases to ${OUT}`);
}

main();
