/**
 * Stereo layout detection, streaming: is a two-channel recording a call with one party per
 * channel, or one signal (identical / near-identical channels, or one room picked up by two
 * microphones)?
 *
 * Per 10 ms frame we keep the level of each channel (dBFS; crosstalk.ts ChannelLevels, reused
 * by the cross-talk stage) and the running sample correlation. A frame is "active" when the
 * louder channel is 15 dB above the recording's noise floor (10th percentile of the louder
 * channel's level) and above −55 dBFS. D = L0 − L1 on active frames; a channel "leans" on a
 * frame when it is ≥ LEAN_DB louder.
 *
 * Decision ("per-channel"): each channel leans on ≥ 10% of the active frames, and on the
 * frames where it leans it is typically (median) ≥ DOMINANCE_DB louder: the level difference
 * is bimodal with both modes far from 0, which is what one party per microphone looks like,
 * whether the channels are clean (telephone, 20–40 dB apart) or each hears the other party's
 * bleed 12–25 dB down (headsets, speakerphones). Faint background talk heard equally in both
 * channels (D ≈ 0) leans on neither side and does not change the medians. Identical channels
 * (correlation > 0.99, levels within 1 dB) → "identical"; a mono source copied with a gain or
 * panned, or one room on two microphones (D within a few dB, or on one side only) → "mixed".
 * Both are diarized as mono.
 */
import { ChannelLevels } from "./crosstalk.js";

export const LEAN_DB = 6;
export const DOMINANCE_DB = 10;

export type StereoLayout = "per-channel" | "identical" | "mixed";

export interface StereoReport {
  layout: StereoLayout;
  correlation: number;
  activeFrames: number;
  /** Share of active frames on which channel 0 / channel 1 leans (is ≥ LEAN_DB louder). */
  dominance: [number, number];
  /** Median level advantage (dB) of channel 0 / channel 1 on the frames where it leans. */
  separationDb: [number, number];
}

export class StereoAnalyzer {
  /** 10 ms levels of both channels (the cross-talk stage reads them after the scan). */
  readonly levels = new ChannelLevels();
  private saa = 0;
  private sbb = 0;
  private sab = 0;

  push(a: Float32Array, b: Float32Array): void {
    const n = Math.min(a.length, b.length);
    let saa = this.saa, sbb = this.sbb, sab = this.sab;
    for (let i = 0; i < n; i++) {
      const x = a[i]!, y = b[i]!;
      saa += x * x;
      sbb += y * y;
      sab += x * y;
    }
    this.saa = saa;
    this.sbb = sbb;
    this.sab = sab;
    this.levels.push(a, b);
  }

  get bytes(): number {
    return this.levels.bytes;
  }

  result(): StereoReport {
    const corr = this.saa > 0 && this.sbb > 0 ? this.sab / Math.sqrt(this.saa * this.sbb) : this.saa === this.sbb ? 1 : 0;
    const [l0, l1] = this.levels.levels();
    const n = Math.min(l0.length, l1.length);
    const mx = new Float32Array(n);
    for (let i = 0; i < n; i++) mx[i] = Math.max(l0[i]!, l1[i]!);
    const sorted = Float32Array.from(mx).sort();
    const floor = n ? sorted[Math.floor(n * 0.1)]! : -120;
    const thr = Math.max(-55, floor + 15);
    let active = 0;
    const lean0: number[] = [], lean1: number[] = [];
    for (let i = 0; i < n; i++) {
      if (mx[i]! < thr) continue;
      active++;
      const d = l0[i]! - l1[i]!;
      if (d >= LEAN_DB) lean0.push(d);
      else if (d <= -LEAN_DB) lean1.push(-d);
    }
    const p0 = active ? lean0.length / active : 0, p1 = active ? lean1.length / active : 0;
    const sep: [number, number] = [median(lean0), median(lean1)];
    let layout: StereoLayout;
    if (corr > 0.99 && Math.abs(10 * Math.log10((this.saa + 1e-12) / (this.sbb + 1e-12))) < 1) layout = "identical";
    else if (active >= 50 && p0 >= 0.1 && p1 >= 0.1 && sep[0] >= DOMINANCE_DB && sep[1] >= DOMINANCE_DB) layout = "per-channel";
    else layout = "mixed";
    return { layout, correlation: corr, activeFrames: active, dominance: [p0, p1], separationDb: sep };
  }
}

function median(v: number[]): number {
  if (!v.length) return 0;
  const s = Float64Array.from(v).sort();
  return s[Math.floor((s.length - 1) / 2)]!;
}

export function analyzeStereo(a: Float32Array, b: Float32Array): StereoReport {
  const s = new StereoAnalyzer();
  s.push(a, b);
  return s.result();
}
