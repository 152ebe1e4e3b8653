/**
 * Stereo layout detection, streaming: is a two-channel recording a call with one party per
 * channel, or one signal (identical / near-identical channels, or one room picked up by two
 * microphones)?
 *
 * Per 20 ms frame we keep the level of each channel (dBFS) and the running sample correlation.
 * A frame is "active" when the louder channel is 15 dB above the recording's noise floor
 * (10th percentile of the louder channel's level) and above −55 dBFS. A channel "dominates" a
 * frame when it is at least DOMINANCE_DB louder than the other.
 *
 * Decision ("per-channel"): both channels dominate at least 10% of the active frames each and
 * together at least 60% of them, i.e. energy dominance alternates between channels, which is
 * what two parties on separate channels look like (telephone channels are separated by 20–40
 * dB). Identical channels (correlation > 0.99) never dominate, a room recorded by two
 * microphones rarely reaches 15 dB; both are treated as mono.
 */

export const DOMINANCE_DB = 15;
const FRAME = 320; // 20 ms at 16 kHz

export type StereoLayout = "per-channel" | "identical" | "mixed";

export interface StereoReport {
  layout: StereoLayout;
  correlation: number;
  activeFrames: number;
  dominance: [number, number];
}

export class StereoAnalyzer {
  private levels0: number[] = [];
  private levels1: number[] = [];
  private acc0 = 0;
  private acc1 = 0;
  private accN = 0;
  private saa = 0;
  private sbb = 0;
  private sab = 0;

  push(a: Float32Array, b: Float32Array): void {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i]!, y = b[i]!;
      this.acc0 += x * x;
      this.acc1 += y * y;
      this.saa += x * x;
      this.sbb += y * y;
      this.sab += x * y;
      if (++this.accN === FRAME) {
        this.levels0.push(10 * Math.log10(this.acc0 / FRAME + 1e-12));
        this.levels1.push(10 * Math.log10(this.acc1 / FRAME + 1e-12));
        this.acc0 = this.acc1 = 0;
        this.accN = 0;
      }
    }
  }

  result(): StereoReport {
    const corr = this.saa > 0 && this.sbb > 0 ? this.sab / Math.sqrt(this.saa * this.sbb) : this.saa === this.sbb ? 1 : 0;
    const n = this.levels0.length;
    const mx = new Float32Array(n);
    for (let i = 0; i < n; i++) mx[i] = Math.max(this.levels0[i]!, this.levels1[i]!);
    const sorted = Float32Array.from(mx).sort();
    const floor = n ? sorted[Math.floor(n * 0.1)]! : -120;
    const thr = Math.max(-55, floor + 15);
    let active = 0, d0 = 0, d1 = 0;
    for (let i = 0; i < n; i++) {
      if (mx[i]! < thr) continue;
      active++;
      const d = this.levels0[i]! - this.levels1[i]!;
      if (d >= DOMINANCE_DB) d0++;
      else if (d <= -DOMINANCE_DB) d1++;
    }
    const p0 = active ? d0 / active : 0, p1 = active ? d1 / active : 0;
    let layout: StereoLayout;
    if (corr > 0.99 && Math.abs(10 * Math.log10((this.saa + 1e-12) / (this.sbb + 1e-12))) < 1) layout = "identical";
    else if (active >= 50 && p0 >= 0.1 && p1 >= 0.1 && p0 + p1 >= 0.6) layout = "per-channel";
    else layout = "mixed";
    return { layout, correlation: corr, activeFrames: active, dominance: [p0, p1] };
  }
}

export function analyzeStereo(a: Float32Array, b: Float32Array): StereoReport {
  const s = new StereoAnalyzer();
  s.push(a, b);
  return s.result();
}
