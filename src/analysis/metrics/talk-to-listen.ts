/**
 * Talk-to-listen ratio, per speaker, DeepAffects style "talk:listen" in whole percent
 * (e.g. "55:45"; the two numbers add up to 100).
 *
 *   talk   = seconds the speaker speaks (union of the speaker's turns);
 *   listen = seconds during which at least one other speaker speaks and this one does not;
 *   ratio  = round(100 · talk / (talk + listen)) : (100 − that).
 *
 * For a two-party conversation without overlap this is each party's share of the speech
 * time (Gong's "talk ratio" uses call time instead; silences are excluded here so the two
 * parties' ratios mirror each other). A speaker who never talks is "0:100"; when nobody else
 * talks either the ratio is "100:0" for a speaker who talks and "0:0" otherwise.
 */
import type { Turn } from "../types.js";
import { speakerIds, totalLength, union } from "./turn-stats.js";

export interface TalkListen {
  speaker: string;
  talkSeconds: number;
  listenSeconds: number;
  /** "talk:listen" in percent. */
  ratio: string;
}

/** Length of `a` minus its intersection with `b` (both unions). */
function minus(a: { start: number; end: number }[], b: { start: number; end: number }[]): number {
  let tot = 0;
  let j = 0;
  for (const x of a) {
    let s = x.start;
    while (j < b.length && b[j]!.end <= s) j++;
    let k = j;
    let len = 0;
    while (s < x.end) {
      const o = b[k];
      if (!o || o.start >= x.end) { len += x.end - s; break; }
      if (o.start > s) len += o.start - s;
      s = Math.max(s, o.end);
      k++;
    }
    tot += len;
  }
  return tot;
}

export function talkToListen(turns: Turn[]): TalkListen[] {
  return speakerIds(turns).map((sp) => {
    const own = union(turns.filter((t) => t.speaker === sp));
    const others = union(turns.filter((t) => t.speaker !== sp));
    const talk = totalLength(own);
    const listen = minus(others, own);
    const pct = talk + listen > 0 ? Math.round((100 * talk) / (talk + listen)) : 0;
    const ratio = talk + listen > 0 ? `${pct}:${100 - pct}` : "0:0";
    return { speaker: sp, talkSeconds: talk, listenSeconds: listen, ratio };
  });
}
