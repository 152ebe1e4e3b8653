import { describe, expect, it } from "vitest";
import { StreamingResampler, resample, resampledLength } from "../../src/analysis/audio/resample.js";

function sine(f: number, sr: number, seconds: number, a = 0.5): Float32Array {
  const x = new Float32Array(Math.round(sr * seconds));
  for (let i = 0; i < x.length; i++) x[i] = a * Math.sin((2 * Math.PI * f * i) / sr);
  return x;
}
function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}
/** Amplitude of frequency f in x (single-bin DFT). */
function amplitudeAt(x: Float32Array, f: number, sr: number): number {
  let re = 0, im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * f * i) / sr);
    im += x[i]! * Math.sin((2 * Math.PI * f * i) / sr);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}
const inner = (x: Float32Array, edge: number): Float32Array => x.subarray(edge, x.length - edge);

describe("resample", () => {
  it("is the identity when rates are equal", () => {
    const x = sine(440, 16000, 0.1);
    expect(resample(x, 16000, 16000)).toBe(x);
  });

  for (const [from, to] of [[48000, 16000], [44100, 16000], [22050, 16000], [8000, 16000], [11025, 16000], [16000, 8000], [47999, 16000]] as const) {
    it(`${from} -> ${to}: keeps a 1 kHz sine's frequency and amplitude`, () => {
      const y = resample(sine(1000, from, 1), from, to);
      expect(y.length).toBe(resampledLength(Math.round(from), from, to));
      expect(Math.abs(y.length - to)).toBeLessThanOrEqual(1);
      const mid = inner(y, 500);
      expect(amplitudeAt(mid, 1000, to)).toBeCloseTo(0.5, 2);
      expect(amplitudeAt(mid, 1100, to)).toBeLessThan(0.01);
      expect(rms(mid)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });
  }

  it("attenuates content above the target Nyquist (anti-aliasing) by > 60 dB", () => {
    for (const [from, f] of [[48000, 9000], [48000, 15000], [44100, 12000], [16000, 5000]] as const) {
      const to = from === 16000 ? 8000 : 16000;
      const y = inner(resample(sine(f, from, 1), from, to), 500);
      expect(20 * Math.log10(rms(y) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
    }
  });

  it("streaming output equals one-shot output for any chunking", () => {
    const x = sine(700, 44100, 0.7);
    for (let i = 0; i < x.length; i++) x[i]! += 0.1 * Math.sin(i * 0.37);
    const whole = resample(x, 44100, 16000);
    for (const chunk of [1, 100, 4097, 30000]) {
      const r = new StreamingResampler(44100, 16000);
      const parts: Float32Array[] = [];
      for (let i = 0; i < x.length; i += chunk) parts.push(r.push(x.subarray(i, i + chunk)));
      parts.push(r.flush());
      const y = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        y.set(p, o);
        o += p.length;
      }
      expect(y.length).toBe(whole.length);
      let md = 0;
      for (let i = 0; i < y.length; i++) md = Math.max(md, Math.abs(y[i]! - whole[i]!));
      expect(md).toBe(0);
    }
  });
});
