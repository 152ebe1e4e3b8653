/**
 * Overlapped speech in mono diarization: what is (and is not) done, with the measurements
 * behind it (../shared/eval/diarization, 7 files, pooled; docs/diarization.md has the table).
 *
 * Not done — no usable frame-level evidence of a second voice was found:
 * - resegmentation likelihoods: ll(labelled speaker) − ll(best other speaker), smoothed over
 *   0.3 s, is *not* smaller on reference-overlap frames (AUC 0.40 on the files with ≥ 2
 *   speakers; < 0.5 means overlap frames are, if anything, more clearly one speaker's);
 * - two-voice cues from the waveform, per 30 ms frame: normalised-autocorrelation peak
 *   (periodicity; AUC 0.47), a second non-harmonic autocorrelation peak (0.51), level (0.55),
 *   level change (0.46);
 * - at speaker changes, an energy dip (hand-over) vs. none (talk-over): reference
 *   interruptions had *larger* dips; gating on it cut interruption recall from 57% to 14–36%;
 * - overlap as long as both speakers' models stay within 2 nats/frame around the change:
 *   DER (collar 0.25) 19.14 → 19.5%, interruptions P 100% R 36% (5 events);
 * - a pause check at changes inside a VAD region (longest run of frames with c0 < −1 std
 *   within ±0.5 s; ≥ 0.15–0.3 s → cut the turns back to a gap): interruption recall 57% →
 *   29–43%, DER (collar) 19.14 → 19.28%.
 * Known weakness of the cut-in rule: the VAD (threshold 0.25, padded) bridges pauses of
 * ~0.45 s, so clean hand-overs can come out as touching turns (test fixture mono-two-voices:
 * one such false cut-in; the SpokenWOZ call MUL1011 mixed to mono: 12 cut-ins in 183 s where
 * the per-channel turns give 1 interruption).
 *
 * What is kept: a speaker change inside one speech region (no pause) is output as two
 * touching turns, which metrics/interruptions.ts counts as a cut-in (interruptions P 57%,
 * R 57%, DER unchanged). `addCutInOverlap` (off by default, ClassicParams.cutInOverlap)
 * additionally extends the previous speaker's turn `sec` into the new one at such a change when
 * the new speaker then holds the floor (≥ BACKCHANNEL_MIN s), so that the turns themselves
 * overlap. Measured with 0.06 s: overlap-onset P 69% R 38% (from 0/0), same interruptions, DER
 * (collar) 19.14 → 19.20%, without collar 30.95 → 31.07%, phone call 4.59 → 4.96%; 0.1 s:
 * 19.27 / 31.20%, phone call 5.32%. The overlap's length is not measured (no evidence above),
 * so it is a fixed token; whether that is worth its DER cost is a product choice.
 */

/** A new speaker's turn shorter than this is a backchannel and gets no overlap (interruptions.ts BACKCHANNEL_MAX). */
export const BACKCHANNEL_MIN = 1.0;

/**
 * At each pair of touching turns of different speakers (a change inside one speech region)
 * where the second turn lasts ≥ BACKCHANNEL_MIN, extends the first turn by `sec` (at most to
 * the second's end). Returns new turn objects; the input is not modified.
 */
export function addCutInOverlap<T extends { speaker: string; start: number; end: number }>(turns: T[], sec: number): T[] {
  const out = turns.map((t) => ({ ...t }));
  for (let i = 0; i + 1 < out.length; i++) {
    const a = out[i]!, b = out[i + 1]!;
    if (a.speaker === b.speaker || Math.abs(b.start - a.end) > 1e-6) continue;
    if (b.end - b.start < BACKCHANNEL_MIN) continue;
    a.end = Math.min(b.end, b.start + sec);
  }
  return out;
}

