/**
 * energy — how loudly each speaker speaks.
 *
 * Definition
 *  - Active speech level (SpeakerStats `energy_db`, dBFS, where a full-scale sine is -3 dBFS):
 *    10·log10 of the mean power of the speaker's *active* 10 ms frames over all of its turns.
 *    A frame is active when its 32 ms intensity is at least (the 99th-percentile intensity of
 *    its ≤30 s analysis chunk − 25 dB) and at least −60 dBFS, i.e. pauses and background inside
 *    a turn do not dilute the level (a simplified ITU-T P.56 active level).
 *  - `energy` (DeepAffects value and SpeakerStats `energy`): integer 0–10,
 *        energy = clamp(round((energy_db + 50) / 3.5), 0, 10)
 *    so −50 dBFS → 0, −36 dBFS → 4, −26 dBFS (ITU nominal speech level) → 7, −15 dBFS → 10.
 *  - A speaker with no active frames gets energy 0 and no `energy_db`.
 *
 * It is an absolute level: it depends on recording gain as well as on vocal effort, so compare
 * speakers within one recording (for a per-channel stereo call, each channel's own gain).
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import type { SpeakerMetricResult } from "../features/speaker.js";

export const ENERGY_FLOOR_DB = -50;
export const ENERGY_DB_PER_STEP = 3.5;

/** dBFS to the 0–10 scale. */
export function energyScore(db: number): number {
  return Math.max(0, Math.min(10, Math.round((db - ENERGY_FLOOR_DB) / ENERGY_DB_PER_STEP)));
}

export function computeEnergy(input: MetricInput, features: TurnFeatures[] = analyseTurns(input)): SpeakerMetricResult {
  const out: SpeakerMetricResult = { values: [], stats: {} };
  for (const sp of speakersOf(input.turns)) {
    let power = 0;
    let frames = 0;
    for (const f of features) if (f.speaker === sp) {
      power += f.activePowerSum;
      frames += f.activeFrames;
    }
    if (frames === 0) {
      out.values.push({ speaker_id: sp, value: 0 });
      out.stats[sp] = { energy: 0 };
      continue;
    }
    const db = 10 * Math.log10(power / frames);
    const score = energyScore(db);
    out.values.push({ speaker_id: sp, value: score });
    out.stats[sp] = { energy_db: Math.round(db * 10) / 10, energy: score };
  }
  return out;
}
