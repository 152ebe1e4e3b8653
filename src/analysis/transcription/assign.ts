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
  // prefixMaxEnd[k] = latest end among order[0..k]: monotone, so a binary search finds the first
  // turn that can still reach a word; candidates then run until starts pass the word.
  const prefixMaxEnd = new Float64Array(order.length);
  let m = -Infinity;
  order.forEach((ti, k) => {
    m = Math.max(m, turns[ti]!.end);
    prefixMaxEnd[k] = m;
  });
  for (const w of words) {
    let lo = 0;
    let hi = order.length;
    const reach = w.start - MAX_WORD_DISTANCE;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (prefixMaxEnd[mid]! < reach) lo = mid + 1;
      else hi = mid;
    }
    let best = -1;
    let bestOverlap = 0;
    let bestDist = Infinity;
    const wc = (w.start + w.end) / 2;
    for (let k = lo; k < order.length; k++) {
      const i = order[k]!;
      const t = turns[i]!;
      if (t.start > w.end + MAX_WORD_DISTANCE) break;
      if (t.end < reach) continue;
      const overlap = Math.min(t.end, w.end) - Math.max(t.start, w.start);
      if (overlap > 0) {
        const dist = Math.abs((t.start + t.end) / 2 - wc);
        if (overlap > bestOverlap || (overlap === bestOverlap && dist < bestDist)) {
          best = i;
          bestOverlap = overlap;
          bestDist = dist;
        }
      } else if (bestOverlap === 0) {
        const dist = Math.max(t.start - w.end, w.start - t.end, 0);
        if (dist <= MAX_WORD_DISTANCE && dist < bestDist) {
          best = i;
          bestDist = dist;
        }
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
