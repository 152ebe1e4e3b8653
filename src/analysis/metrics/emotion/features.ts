/**
 * The emotion model's input: a fixed, named vector of eGeMAPS-style functionals of one segment
 * (Eyben et al. 2016), taken from the shared per-turn summary (features/segment.ts), so the
 * training script and the pipeline compute exactly the same numbers.
 *
 * Every feature is gain-invariant (no absolute level: a lone clip's loudness says more about the
 * microphone than the speaker) and uses content below 4 kHz only (8 kHz telephone audio and
 * wideband audio give the same values). Two vectors:
 *  - `clipVector` (CLIP_FEATURES): the segment on its own;
 *  - `speakerVector` (SPEAKER_FEATURES): the clip vector plus every clip feature and the active
 *    speech level as a difference from the speaker's mean over their segments in the recording
 *    (`rel_*`), used when the speaker has enough speech (emotion.ts) — the level, uninformative
 *    alone, becomes informative relative to the speaker's own.
 */
import type { TurnFeatures } from "../../features/segment.js";
import { NUM_MFCC } from "../../features/frames.js";

const MFCC_NAMES = Array.from({ length: NUM_MFCC }, (_, i) => i + 1);

export const CLIP_FEATURES: readonly string[] = [
  "f0_p20_st",
  "f0_p50_st",
  "f0_p80_st",
  "f0_range_st",
  "f0_std_st",
  "f0_rise",
  "f0_fall",
  "f0_delta",
  "db_range",
  "db_std",
  "shimmer_db",
  "hnr_db",
  "voiced_ratio",
  "voiced_run_s",
  "unvoiced_run_s",
  "rate_syl_s",
  "alpha_mean",
  "alpha_std",
  "hammarberg",
  "slope_0_500",
  "slope_500_1500",
  ...MFCC_NAMES.map((i) => `mfcc${i}_mean`),
  ...MFCC_NAMES.map((i) => `mfcc${i}_std`),
];

/** Features only meaningful against the speaker's own baseline. */
const SPEAKER_ONLY = ["level_db"];

export const SPEAKER_FEATURES: readonly string[] = [...CLIP_FEATURES, ...[...CLIP_FEATURES, ...SPEAKER_ONLY].map((n) => `rel_${n}`)];

/** Clip features followed by the speaker-only ones (NaN when unmeasurable). */
export function segmentMeasures(f: TurnFeatures): number[] {
  const v = f.voice;
  const rate = f.phonationSeconds > 0.3 ? f.syllables / f.phonationSeconds : NaN;
  return [
    v.f0P20,
    v.f0P50,
    v.f0P80,
    v.f0P80 - v.f0P20,
    v.f0Std,
    v.f0RiseMean,
    v.f0FallMean,
    f.f0Delta,
    v.dbP80 - v.dbP20,
    f.dbStd,
    v.shimmerDb,
    v.hnrDb,
    v.voicedRatio,
    v.voicedRunMean,
    v.unvoicedRunMean,
    rate,
    f.alphaMean,
    v.alphaStd,
    v.hammarbergMean,
    v.slopeLoMean,
    v.slopeHiMean,
    ...v.mfccMean,
    ...v.mfccStd,
    f.activeFrames > 0 ? 10 * Math.log10(f.activePowerSum / f.activeFrames) : NaN,
  ];
}

export function clipVector(m: number[]): number[] {
  return m.slice(0, CLIP_FEATURES.length);
}

/** Per-feature mean over a speaker's segments' measures, ignoring NaN (NaN when none measured it). */
export function speakerMeans(rows: number[][]): number[] {
  const n = CLIP_FEATURES.length + SPEAKER_ONLY.length;
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = 0, c = 0;
    for (const r of rows) if (Number.isFinite(r[j]!)) {
      s += r[j]!;
      c++;
    }
    out.push(c > 0 ? s / c : NaN);
  }
  return out;
}

export function speakerVector(m: number[], means: number[]): number[] {
  return [...m.slice(0, CLIP_FEATURES.length), ...m.map((x, j) => x - means[j]!)];
}
