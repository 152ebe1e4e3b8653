import type { Turn, Word } from "../types.js";

export interface TurnText {
  /** Words assigned to the turn, in time order. */
  words: Word[];
  /** The words joined with single spaces ("" when none). */
  text: string;
  /** Mean word confidence, when the provider gave confidences. */
  confidence?: number;
}

/** Words further than this (seconds) from every turn are dropped. */
export const MAX_WORD_DISTANCE = 0.5;

/**
 * Assign each word to the diarized turn it overlaps most in time (ties: the turn whose centre
 * is nearest the word's centre); a word overlapping no turn goes to the nearest turn within
 * 0.5 s, else it is dropped. Returns one entry per turn, aligned with `turns`.
 */
export function assignWordsToTurns(words: Word[], turns: Turn[]): TurnText[] {
  const out: TurnText[] = turns.map(() => ({ words: [], text: "" }));
  if (turns.length === 0) return out;
  const order = turns.map((_, i) => i).sort((a, b) => turns[a]!.start - turns[b]!.start);
  for (const w of words) {
    let best = -1;
    let bestOverlap = 0;
    let bestDist = Infinity;
    const wc = (w.start + w.end) / 2;
    for (const i of order) {
      const t = turns[i]!;
      if (t.start > w.end + MAX_WORD_DISTANCE) break;
      if (t.end < w.start - MAX_WORD_DISTANCE) continue;
      const overlap = Math.min(t.end, w.end) - Math.max(t.start, w.start);
      const dist = overlap > 0 ? Math.abs((t.start + t.end) / 2 - wc) : Math.max(t.start - w.end, w.start - t.end, 0);
      if (overlap > bestOverlap || (overlap === bestOverlap && overlap > 0 && dist < bestDist) || (bestOverlap <= 0 && overlap <= 0 && dist < bestDist)) {
        if (overlap <= 0 && dist > MAX_WORD_DISTANCE) continue;
        best = i;
        bestOverlap = Math.max(0, overlap);
        bestDist = dist;
      }
    }
    if (best >= 0) out[best]!.words.push(w);
  }
  for (const tt of out) {
    tt.words.sort((a, b) => a.start - b.start);
    tt.text = tt.words.map((w) => w.text).join(" ");
    const confs = tt.words.map((w) => w.confidence).filter((c): c is number => typeof c === "number");
    if (confs.length > 0) tt.confidence = confs.reduce((s, c) => s + c, 0) / confs.length;
  }
  return out;
}
