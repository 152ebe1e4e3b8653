/** Per-speaker helpers shared by the affect metrics. */
import type { SpeakerStatsEntry, SpeakerValueEntry, Turn, Word } from "../types.js";
import { assignWordsToTurns } from "../transcription/assign.js";
import { speakersOf } from "./segment.js";

/** What a per-speaker metric returns: DeepAffects values plus SpeakerStats fields. */
export interface SpeakerMetricResult {
  values: SpeakerValueEntry[];
  stats: Record<string, Partial<SpeakerStatsEntry>>;
}

/** Seconds covered by the union of each speaker's turns. */
export function talkSecondsBySpeaker(turns: Turn[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const sp of speakersOf(turns)) {
    const iv = turns.filter((t) => t.speaker === sp).map((t) => [t.start, t.end] as const).sort((a, b) => a[0] - b[0]);
    let total = 0;
    let cs = -Infinity;
    let ce = -Infinity;
    for (const [s, e] of iv) {
      if (s > ce) {
        if (ce > cs) total += ce - cs;
        cs = s;
        ce = e;
      } else ce = Math.max(ce, e);
    }
    if (ce > cs) total += ce - cs;
    out.set(sp, total);
  }
  return out;
}

const assignCache = new WeakMap<Word[], WeakMap<Turn[], Word[][]>>();

/** Words of each turn (aligned with `turns`), or undefined when there is no transcript. Memoised per (words, turns) arrays. */
export function turnWords(turns: Turn[], words: Word[] | undefined): Word[][] | undefined {
  if (!words || words.length === 0) return undefined;
  let byTurns = assignCache.get(words);
  if (!byTurns) assignCache.set(words, (byTurns = new WeakMap()));
  let got = byTurns.get(turns);
  if (!got) byTurns.set(turns, (got = assignWordsToTurns(words, turns).map((t) => t.words)));
  return got;
}

/** Segment text with sentence punctuation kept (words joined by spaces). */
export function joinWords(words: Word[]): string {
  return words.map((w) => w.text).join(" ").replace(/\s+([,.?!;:])/g, "$1").trim();
}
