/** Channel helpers: down-mixing and detecting dual-mono "stereo". */

/** Average of all channels (a copy; a single channel is returned as is). */
export function toMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!;
  const n = channels[0]!.length;
  const out = new Float32Array(n);
  const k = 1 / channels.length;
  if (channels.length === 2) {
    const a = channels[0]!, b = channels[1]!;
    for (let i = 0; i < n; i++) out[i] = (a[i]! + b[i]!) * 0.5;
    return out;
  }
  for (const ch of channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  for (let i = 0; i < n; i++) out[i]! *= k;
  return out;
}

/**
 * True when two channels carry the same signal: Pearson correlation > 0.99 and levels
 * within 1 dB (or both digital silence). Used to treat a "stereo" file with duplicated
 * channels as mono instead of as a two-party call.
 */
export function channelsAreNearlyIdentical(a: Float32Array, b: Float32Array, opts: { minCorrelation?: number; maxLevelDiffDb?: number } = {}): boolean {
  const minCorr = opts.minCorrelation ?? 0.99;
  const maxDb = opts.maxLevelDiffDb ?? 1;
  const n = Math.min(a.length, b.length);
  if (n === 0) return a.length === b.length;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n, mb = sb / n;
  let saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const eps = 1e-12 * n;
  if (saa <= eps && sbb <= eps) return true; // both silent
  if (saa <= eps || sbb <= eps) return false; // one silent, one not
  const corr = sab / Math.sqrt(saa * sbb);
  const levelDb = 10 * Math.log10(saa / sbb);
  return corr > minCorr && Math.abs(levelDb) <= maxDb;
}
