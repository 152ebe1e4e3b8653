/**
 * Turn statistics.
 *
 * - num_speakers: number of distinct speaker ids among the turns.
 * - total_speech_duration (s): length of the union of all turns (time when at least one person
 *   speaks; overlapped speech counts once). Pass `speech` (VAD regions) to take the union of
 *   both, so speech that no turn covers still counts.
 * - talk_seconds per speaker: length of the union of that speaker's turns.
 * - turns per speaker: number of conversational turns = that speaker's segments after merging
 *   segments separated by less than TURN_MERGE_GAP (0.5 s) of silence.
 * - longest monologue per speaker (s): the longest stretch during which the speaker holds the
 *   floor: consecutive own segments joined across pauses shorter than MONOLOGUE_MAX_PAUSE
 *   (2 s) as long as nobody else speaks in between for BACKCHANNEL_MAX (1 s) or more
 *   (backchannels such as "mm-hm" do not end a monologue). Measured from its first start to
 *   its last end.
 */
import type { SpeechRegion, Turn } from "../types.js";

export const TURN_MERGE_GAP = 0.5;
export const MONOLOGUE_MAX_PAUSE = 2.0;
export const BACKCHANNEL_MAX = 1.0;

export interface Interval {
  start: number;
  end: number;
}

/** Sorted union of intervals. */
export function union(iv: Interval[]): Interval[] {
  const s = iv.filter((x) => x.end > x.start).map((x) => ({ start: x.start, end: x.end })).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const x of s) {
    const l = out[out.length - 1];
    if (l && x.start <= l.end) l.end = Math.max(l.end, x.end);
    else out.push(x);
  }
  return out;
}

export function totalLength(iv: Interval[]): number {
  return union(iv).reduce((a, x) => a + x.end - x.start, 0);
}

/** Speaker ids in order of first appearance. */
export function speakerIds(turns: Turn[]): string[] {
  const ids: string[] = [];
  for (const t of turns.slice().sort((a, b) => a.start - b.start)) if (!ids.includes(t.speaker)) ids.push(t.speaker);
  return ids;
}

/** A speaker's segments merged across pauses shorter than `gap`. */
export function mergedTurns(turns: Turn[], speaker: string, gap = TURN_MERGE_GAP): Interval[] {
  const own = union(turns.filter((t) => t.speaker === speaker));
  const out: Interval[] = [];
  for (const x of own) {
    const l = out[out.length - 1];
    if (l && x.start - l.end < gap) l.end = Math.max(l.end, x.end);
    else out.push({ ...x });
  }
  return out;
}

export function longestMonologue(turns: Turn[], speaker: string): number {
  const own = union(turns.filter((t) => t.speaker === speaker));
  const others = union(turns.filter((t) => t.speaker !== speaker));
  let best = 0;
  let cur: Interval | undefined;
  let j = 0; // first other interval that may end after cur.end (cur.end never decreases)
  for (const x of own) {
    if (cur) {
      const pause = x.start - cur.end;
      // longest stretch of another speaker's speech inside the pause
      let otherMax = 0;
      while (j < others.length && others[j]!.end <= cur.end) j++;
      for (let k = j; k < others.length && others[k]!.start < x.start; k++) {
        const o = others[k]!;
        otherMax = Math.max(otherMax, Math.min(o.end, x.start) - Math.max(o.start, cur.end));
      }
      if (pause < MONOLOGUE_MAX_PAUSE && otherMax < BACKCHANNEL_MAX) {
        cur.end = Math.max(cur.end, x.end);
        continue;
      }
      best = Math.max(best, cur.end - cur.start);
    }
    cur = { ...x };
  }
  if (cur) best = Math.max(best, cur.end - cur.start);
  return best;
}

export interface SpeakerTurnStats {
  speaker: string;
  talkSeconds: number;
  turns: number;
  longestMonologueSeconds: number;
}

export interface TurnStats {
  numSpeakers: number;
  totalSpeechDuration: number;
  speakers: SpeakerTurnStats[];
}

export function turnStats(turns: Turn[], speech: SpeechRegion[] = []): TurnStats {
  const ids = speakerIds(turns);
  return {
    numSpeakers: ids.length,
    totalSpeechDuration: totalLength([...turns, ...speech]),
    speakers: ids.map((s) => ({
      speaker: s,
      talkSeconds: totalLength(turns.filter((t) => t.speaker === s)),
      turns: mergedTurns(turns, s).length,
      longestMonologueSeconds: longestMonologue(turns, s),
    })),
  };
}
