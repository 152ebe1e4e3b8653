/**
 * pace — how fast each speaker talks: "slow" | "normal" | "fast".
 *
 * Definition
 *  - Talk time T = the union of the speaker's diarized turns (seconds; pauses inside a turn count,
 *    gaps between turns do not).
 *  - With a transcript (any words assigned to the speaker's turns):
 *        words_per_minute = words / (T / 60)
 *    pace_value = words_per_minute, pace_unit = "words_per_minute";
 *    slow < 130 wpm ≤ normal ≤ 200 wpm < fast. T counts only the speaker's own turns, so these
 *    are rates between pauses: conversational English runs at about 160–200 wpm measured this
 *    way (the often-quoted ~150 wpm includes pauses); read speech ~150–180.
 *  - Without a transcript (or no words for that speaker): syllable rate
 *        syllables_per_second = syllable nuclei / T
 *    with nuclei detected as in de Jong & Wempe (2009): peaks of the intensity contour that are
 *    above (99th-percentile intensity − 25 dB), ≥ 2 dB above the dip before them, and voiced.
 *    pace_value = that rate, pace_unit = "syllables_per_second";
 *    slow < 2.4 syl/s ≤ normal ≤ 3.7 syl/s < fast. These are the wpm bounds converted at 1.1
 *    detected nuclei per word: spoken English has ~1.2–1.3 syllables per word and the detector
 *    finds ~0.9 of them (measured on the read clips of ../shared/eval/asr; on the two-person
 *    call in ../shared/eval/diarization the measured ratio is 0.92–0.98 nuclei per word).
 *  - The transcript is trusted for pace only when it is plausible: the speaker's word count is
 *    within a factor of 1.6 of the count implied by the syllable nuclei (nuclei / 1.1). A
 *    recognizer that drops or invents many words (pocketsphinx on 8 kHz calls) fails this check
 *    and pace falls back to the syllable rate; `words_per_minute` is still reported.
 *  - A speaker with less than 1 s of talk gets "normal" with pace_value 0.
 *  - SpeakerStats `words_per_minute` is present whenever there is a transcript.
 */
import type { MetricInput } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures } from "../features/segment.js";
import { talkSecondsBySpeaker, turnWords, type SpeakerMetricResult } from "../features/speaker.js";

export const WPM_SLOW = 130;
export const WPM_FAST = 200;
/** Detected syllable nuclei per word, used to convert the wpm bounds. */
export const NUCLEI_PER_WORD = 1.1;
export const SYL_SLOW = Math.round(((WPM_SLOW * NUCLEI_PER_WORD) / 60) * 10) / 10; // 2.4
export const SYL_FAST = Math.round(((WPM_FAST * NUCLEI_PER_WORD) / 60) * 10) / 10; // 3.7

/** Largest ratio between transcript word count and nuclei-implied word count still trusted. */
export const TRANSCRIPT_PLAUSIBILITY = 1.6;

export type PaceLabel = "slow" | "normal" | "fast";

export function paceLabel(value: number, unit: "words_per_minute" | "syllables_per_second"): PaceLabel {
  const [slow, fast] = unit === "words_per_minute" ? [WPM_SLOW, WPM_FAST] : [SYL_SLOW, SYL_FAST];
  return value < slow ? "slow" : value > fast ? "fast" : "normal";
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

export function computePace(input: MetricInput, features: TurnFeatures[] = analyseTurns(input)): SpeakerMetricResult {
  const out: SpeakerMetricResult = { values: [], stats: {} };
  const talk = talkSecondsBySpeaker(input.turns);
  const perTurn = turnWords(input.turns, input.words);
  for (const sp of speakersOf(input.turns)) {
    const T = talk.get(sp) ?? 0;
    let words = 0;
    if (perTurn) input.turns.forEach((t, i) => {
      if (t.speaker === sp) words += perTurn[i]!.length;
    });
    if (T < 1) {
      out.values.push({ speaker_id: sp, value: "normal" });
      out.stats[sp] = perTurn ? { pace_value: 0, pace_unit: "words_per_minute", words_per_minute: 0 } : { pace_value: 0, pace_unit: "syllables_per_second" };
      continue;
    }
    let syl = 0;
    for (const f of features) if (f.speaker === sp) syl += f.syllables;
    const implied = syl / NUCLEI_PER_WORD;
    const plausible = words > 0 && (implied === 0 || (words / implied <= TRANSCRIPT_PLAUSIBILITY && implied / words <= TRANSCRIPT_PLAUSIBILITY));
    const wpm = words / (T / 60);
    if (perTurn && plausible) {
      out.values.push({ speaker_id: sp, value: paceLabel(wpm, "words_per_minute") });
      out.stats[sp] = { pace_value: r1(wpm), pace_unit: "words_per_minute", words_per_minute: r1(wpm) };
      continue;
    }
    const rate = syl / T;
    out.values.push({ speaker_id: sp, value: paceLabel(rate, "syllables_per_second") });
    out.stats[sp] = { pace_value: r2(rate), pace_unit: "syllables_per_second" };
    if (perTurn) out.stats[sp]!.words_per_minute = r1(wpm);
  }
  return out;
}
