/**
 * Cross-talk rejection on synthetic stereo built here from the committed two-voice call
 * (test/fixtures/stereo-call.wav: one espeak voice per channel, clean, with one true overlap,
 * an interruption): each voice is leaked into the other channel delayed, attenuated,
 * low-passed and through a small comb-filter room, as headset bleed sounds; variants add a
 * faint third voice in both channels and a far-end echo 150 ms late.
 */
import { describe, expect, it } from "vitest";
import { ChannelLevels, rejectCrosstalk } from "../../src/analysis/diarization/crosstalk.js";
import { findTurnsDetailed, type TurnFinderResult } from "../../src/analysis/diarization/index.js";
import { analyzeStereo } from "../../src/analysis/diarization/stereo.js";
import { detectSpeech16k, loadAudio16k } from "../../src/analysis/diarization/io.js";
import { findInterruptions } from "../../src/analysis/metrics/interruptions.js";
import { talkToListen } from "../../src/analysis/metrics/talk-to-listen.js";
import type { SpeechRegion, Turn } from "../../src/analysis/types.js";
import { computeDer, type Segment } from "../../src/eval/der.js";
import { fixture, fixtureJson } from "../helpers/audio.js";

const SR = 16000;

/** x delayed by `ms`, scaled to `db`, one-pole low-passed and through two feedback combs (a small room). */
function leaked(x: Float32Array, db: number, ms: number): Float32Array {
  const d = Math.round((ms / 1000) * SR), g = 10 ** (db / 20);
  const y = new Float32Array(x.length);
  let lp = 0;
  for (let i = 0; i < x.length; i++) {
    lp += 0.35 * ((i - d >= 0 ? x[i - d]! : 0) - lp);
    y[i] = lp;
  }
  for (const [delay, fb] of [[Math.round(0.029 * SR), 0.45], [Math.round(0.037 * SR), 0.4]] as const)
    for (let i = delay; i < y.length; i++) y[i] = y[i]! + fb * y[i - delay]!;
  for (let i = 0; i < y.length; i++) y[i] = y[i]! * g * 0.5;
  return y;
}

const add = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + (b[i] ?? 0));

/** Level (dB) of the non-silent samples. */
function activeDb(x: Float32Array): number {
  let s = 0, n = 0;
  for (const v of x) if (Math.abs(v) > 1e-3) { s += v * v; n++; }
  return 10 * Math.log10(s / Math.max(1, n));
}

async function withVad(channels: Float32Array[]) {
  const speech: SpeechRegion[][] = [];
  for (const c of channels) speech.push(await detectSpeech16k(c));
  return speech;
}

function run(channels: Float32Array[], speech: SpeechRegion[][], crosstalk = true, separate = false): TurnFinderResult {
  return findTurnsDetailed({ channels16k: channels, speech, speakers: -1, separateSpeakerPerChannel: separate }, { crosstalk });
}

/** Seconds of `turns` of speaker sp inside / outside the truth segments of sp. */
function coverage(turns: Turn[], truth: Segment[], sp: string) {
  const mine = turns.filter((t) => t.speaker === sp), ref = truth.filter((t) => t.speaker === sp);
  const inter = (a: { start: number; end: number }, b: { start: number; end: number }) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const inside = mine.reduce((s, t) => s + ref.reduce((q, r) => q + inter(t, r), 0), 0);
  const total = mine.reduce((s, t) => s + t.end - t.start, 0);
  const refTotal = ref.reduce((s, r) => s + r.end - r.start, 0);
  return { kept: inside / refTotal, outside: total - inside };
}

describe("cross-talk rejection (stereo-call fixture with synthetic bleed)", async () => {
  const clean = await loadAudio16k(fixture("stereo-call.wav").pathname);
  const truth = fixtureJson<{ segments: Segment[]; interruptions: { speaker: string; interrupted: string; start: number }[] }>("stereo-call.json");
  const [a, b] = clean.channels as [Float32Array, Float32Array];
  // A's microphone hears B 18 dB down 4 ms late, B's hears A 16 dB down 3 ms late
  const bleed = [add(a, leaked(b, -18, 4)), add(b, leaked(a, -16, 3))];
  const speech = await withVad(bleed);

  it("the VAD alone takes the bleed for speech (the problem being solved)", () => {
    const before = run(bleed, speech, false);
    expect(before.mode).toBe("per-channel");
    // measured ≈ 0.6 (collar 0.25): the other party's bleed is false alarm in each channel
    expect(computeDer(truth.segments, before.turns, { collar: 0.25 }).der).toBeGreaterThan(0.3);
  });

  it("finds one party per channel without the flag, keeps own speech and drops the bleed", () => {
    const r = run(bleed, speech);
    expect(r.mode).toBe("per-channel");
    expect(r.stereo?.layout).toBe("per-channel");
    const der = computeDer(truth.segments, r.turns, { collar: 0.25 });
    expect(der.mapping).toEqual({ "0": "0", "1": "1" });
    expect(der.der).toBeLessThan(0.08);
    for (const sp of ["0", "1"]) {
      const c = coverage(r.turns, truth.segments, sp);
      expect(c.kept).toBeGreaterThan(0.9); // own speech kept
      expect(c.outside).toBeLessThan(0.8); // bleed dropped (only pads and VAD edges remain)
    }
    // the coupling is estimated from the recording: about −16..−18 dB (plus the low-pass/room), lag ≤ 10 ms
    for (const c of r.crosstalk!.coupling) {
      expect(c.gainDb).toBeLessThan(-10);
      expect(c.gainDb).toBeGreaterThan(-30);
      expect(c.lagFrames).toBeLessThanOrEqual(1);
    }
    // the flag gives the same turns
    expect(run(bleed, speech, true, true).turns).toEqual(r.turns);
  });

  it("keeps the true overlap: the interruption is found, and none is invented", () => {
    const r = run(bleed, speech);
    expect(r.crosstalk!.seconds.both).toBeGreaterThan(0.1);
    const ev = findInterruptions(r.turns);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ speaker: "1", interrupted: "0" });
    expect(Math.abs(ev[0]!.start - truth.interruptions[0]!.start)).toBeLessThan(0.5);
  });

  it("talk-to-listen: the two parties' shares add up to 100 (up to the overlap) and match the truth", () => {
    const r = run(bleed, speech);
    const tl = talkToListen(r.turns), ref = talkToListen(truth.segments);
    const talk = (x: { ratio: string }) => Number(x.ratio.split(":")[0]);
    const overlapPct = 100 * (0.5857 / (ref[0]!.talkSeconds + ref[1]!.talkSeconds - 0.5857));
    expect(Math.abs(talk(tl[0]!) + talk(tl[1]!) - 100)).toBeLessThanOrEqual(Math.ceil(overlapPct) + 2);
    for (let i = 0; i < 2; i++) expect(Math.abs(talk(tl[i]!) - talk(ref.find((x) => x.speaker === tl[i]!.speaker)!))).toBeLessThanOrEqual(5);
    // before: the bleed makes each party "talk" nearly all the time
    const before = talkToListen(run(bleed, speech, false).turns);
    expect(talk(before[0]!) + talk(before[1]!)).toBeGreaterThan(130);
  });

  it("a faint third voice in both channels is not either channel's party", async () => {
    const raw = (await loadAudio16k(fixture("speech-pcm16-16k.wav").pathname)).channels[0]!;
    // the third voice at the parties' level before it is leaked 20–22 dB down ("faint")
    const k = 10 ** ((activeDb(a) - activeDb(raw)) / 20), third = raw.map((v) => v * k);
    const bg = new Float32Array(bleed[0]!.length);
    for (const at of [0.5, 4.0, 9.6, 13.2]) bg.set(third.subarray(0, Math.min(third.length, bg.length - Math.round(at * SR))), Math.round(at * SR));
    const chans = [add(bleed[0]!, leaked(bg, -20, 5)), add(bleed[1]!, leaked(bg, -22, 8))];
    const sp = await withVad(chans);
    const r = run(chans, sp);
    expect(r.mode).toBe("per-channel");
    expect(computeDer(truth.segments, r.turns, { collar: 0.25 }).der).toBeLessThan(0.08);
    for (const s of ["0", "1"]) expect(coverage(r.turns, truth.segments, s).outside).toBeLessThan(0.8);
    // without the stage the VAD takes the third voice (and the bleed) for each party's speech
    const off = run(chans, sp, false).turns;
    expect(coverage(off, truth.segments, "0").outside + coverage(off, truth.segments, "1").outside).toBeGreaterThan(4);
  });

  it("an echo of the far end 150 ms late is found as such and dropped", async () => {
    const chans = [add(a, leaked(b, -12, 150)), add(b, leaked(a, -25, 3))];
    const sp = await withVad(chans);
    const r = run(chans, sp);
    expect(r.mode).toBe("per-channel");
    const into0 = r.crosstalk!.coupling[0];
    expect(Math.abs(into0.lagFrames - 15)).toBeLessThanOrEqual(1);
    expect(computeDer(truth.segments, r.turns, { collar: 0.25 }).der).toBeLessThan(0.08);
    expect(findInterruptions(r.turns)).toHaveLength(1);
  });

  it("clean per-channel audio is left as it was (no bleed to reject)", async () => {
    const sp = await withVad([a, b]);
    const on = run([a, b], sp), off = run([a, b], sp, false);
    const d = (t: Turn[]) => computeDer(truth.segments, t, { collar: 0.25 }).der;
    expect(d(on.turns)).toBeLessThanOrEqual(d(off.turns) + 0.01);
    expect(findInterruptions(on.turns)).toHaveLength(1);
  });

  it("levels do not depend on how the audio is chunked (streaming)", () => {
    const whole = new ChannelLevels();
    whole.push(bleed[0]!, bleed[1]!);
    const chunked = new ChannelLevels();
    for (let s = 0; s < bleed[0]!.length; s += 5923) chunked.push(bleed[0]!.subarray(s, s + 5923), bleed[1]!.subarray(s, s + 5923));
    expect(chunked.levels()[0]).toEqual(whole.levels()[0]);
    expect(chunked.levels()[1]).toEqual(whole.levels()[1]);
    const r1 = rejectCrosstalk(whole.levels(), [speech[0]!, speech[1]!], bleed[0]!.length / SR);
    const r2 = rejectCrosstalk(chunked.levels(), [speech[0]!, speech[1]!], bleed[0]!.length / SR);
    expect(r2.speech).toEqual(r1.speech);
  });
});

describe("layout detection stays mono for one signal on two channels", async () => {
  const clean = await loadAudio16k(fixture("stereo-call.wav").pathname);
  const mono = clean.channels[0]!.map((v, i) => v + clean.channels[1]![i]!);

  it("a mono mix copied with a 6 dB gain difference is 'mixed'", () => {
    const rep = analyzeStereo(mono, mono.map((v) => v * 0.5));
    expect(rep.layout).toBe("mixed");
  });

  it("a mono mix on two microphones of one room (one a delayed, filtered copy) is 'mixed'", () => {
    const rep = analyzeStereo(mono, leaked(mono, -3, 2));
    expect(rep.layout).toBe("mixed");
  });

  it("a two-voice mix panned 70/30 is 'mixed', not two parties", () => {
    const [a, b] = clean.channels as [Float32Array, Float32Array];
    const rep = analyzeStereo(a.map((v, i) => 0.7 * v + 0.3 * b[i]!), a.map((v, i) => 0.3 * v + 0.7 * b[i]!));
    expect(rep.layout).toBe("mixed");
  });
});
