/**
 * questions_asked — how many questions each speaker asks.
 *
 * Definition. A question is an utterance detected by either cue below; each speaker's value is
 * the count, SpeakerStats `questions` lists each one's {start, end, text?} (seconds).
 *
 *  Text cue (when a transcript exists). A turn's words are cut into utterances after words
 *  ending in . ? ! and at gaps ≥ 0.5 s between words. Utterances whose mean word confidence
 *  (when the recognizer gives one) is below 0.3 are not used for text cues. Leading discourse markers (so, and, but,
 *  well, oh, okay, um, uh, hey, then) are skipped. An utterance is a question when
 *   1. it ends with "?" (punctuating recognizers), or
 *   2. interrogative opening: a wh-word (what, why, how, when, where, who, whom, whose, which)
 *      followed by an auxiliary, directly or after one non-pronoun word ("what time is it"),
 *      or the fixed openers "how about", "what about", "how come", "why not", "what if"; or
 *   3. auxiliary inversion: an auxiliary/modal (do, does, did, is, are, was, were, can, could,
 *      will, would, should, shall, may, might, have, has, had, am and their n't forms) followed
 *      by a subject (pronoun, there, this, that, a determiner, anyone, somebody…); or
 *   4. tag question: ends with auxiliary(+n't) + pronoun ("isn't it", "don't you", "did you"),
 *      or with ", right" / ", okay" / ", yeah" when the recognizer punctuates.
 *
 *  Prosodic cue (always; the only one without a transcript). A phrase is a stretch of speech
 *  ended by a pause ≥ 300 ms. It is a question when it has ≥ 15 voiced frames (150 ms), lasts
 *  ≥ 0.3 s, ends the turn or is followed by ≥ 0.6 s without speech, and its final pitch rises:
 *  the median pitch of its last 50 ms of voicing is ≥ `RISE_SEMITONES` = 2.5 semitones above
 *  the lowest pitch of its last 600 ms.
 *
 *  Combination. The union of both, counting once when a prosodic question overlaps a text
 *  question in time. A prosodic question is dropped when the overlapping utterance's text is
 *  explicitly punctuated as a statement (ends in "." or "!"), since such recognizers already
 *  heard the intonation. Text-only detectors miss declarative questions ("you saw that?"),
 *  prosody misses falling wh-questions and catches some continuation rises.
 */
import type { MetricInput, Turn, Word } from "../types.js";
import { analyseTurns, speakersOf, type TurnFeatures, type Phrase } from "../features/segment.js";
import { joinWords, turnWords, type SpeakerMetricResult } from "../features/speaker.js";

export const RISE_SEMITONES = 2.5;
export const UTTERANCE_GAP_SECONDS = 0.5;

const WH = new Set(["what", "why", "how", "when", "where", "who", "whom", "whose", "which"]);
const AUX = new Set([
  "do", "does", "did", "is", "are", "was", "were", "can", "could", "will", "would", "should", "shall", "may", "might",
  "have", "has", "had", "am", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't",
  "won't", "wouldn't", "shouldn't", "haven't", "hasn't", "hadn't", "ain't", "must",
]);
const WH_CONTRACTED = /^(what|where|who|how|why|when)'(s|re|d|ll)$/;
const SUBJECT = new Set([
  "i", "you", "we", "they", "he", "she", "it", "there", "this", "that", "these", "those", "the", "a", "an", "your",
  "my", "his", "her", "their", "our", "its", "anyone", "anybody", "anything", "someone", "somebody", "something",
  "everyone", "everybody", "everything", "y'all", "ya", "u",
]);
const PRONOUN = new Set(["i", "you", "we", "they", "he", "she", "it", "there", "ya", "u"]);
const MARKERS = new Set(["so", "and", "but", "well", "oh", "okay", "ok", "um", "uh", "hey", "then", "now", "alright", "right", "yeah", "hmm", "er", "ah"]);
const OPENERS = [["how", "about"], ["what", "about"], ["how", "come"], ["why", "not"], ["what", "if"]];

export interface Utterance {
  start: number;
  end: number;
  text: string;
  /** Mean word confidence, when the recognizer gave confidences. */
  confidence?: number;
}

/** Text cues of utterances whose mean word confidence is below this are ignored. */
export const MIN_TEXT_CONFIDENCE = 0.3;

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2019]/g, "'")
    .split(/\s+/)
    .map((t) => t.replace(/^[^a-z']+|[^a-z']+$/g, ""))
    .filter(Boolean);
}

/** Why `text` reads as a question, or null. */
export function textQuestionCue(text: string): "punctuation" | "wh" | "inversion" | "tag" | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (/\?["')\]]*$/.test(trimmed)) return "punctuation";
  if (/[.!]["')\]]*$/.test(trimmed)) {
    // A punctuating recognizer decided it is a statement; only strong lexical cues override.
  }
  const all = tokens(trimmed);
  let i = 0;
  while (i < all.length - 1 && MARKERS.has(all[i]!)) i++;
  const t = all.slice(i);
  if (t.length >= 2) {
    const [a, b] = [t[0]!, t[1]!];
    if (OPENERS.some(([x, y]) => x === a && y === b)) return "wh";
    if (WH.has(a) && (AUX.has(b) || (t.length >= 3 && !PRONOUN.has(b) && AUX.has(t[2]!)))) return "wh";
    if (WH_CONTRACTED.test(a)) return "wh";
    if (AUX.has(a) && SUBJECT.has(b)) return "inversion";
  }
  if (all.length >= 3) {
    const [x, y] = [all[all.length - 2]!, all[all.length - 1]!];
    if (AUX.has(x) && x.endsWith("n't") && PRONOUN.has(y)) return "tag";
  }
  if (/,\s*(right|okay|ok|yeah|correct|no)\W*$/i.test(trimmed)) return "tag";
  return null;
}

/** Cut a turn's words into utterances (after . ? ! and at ≥ 0.5 s gaps). */
export function utterancesOf(words: Word[]): Utterance[] {
  const out: Utterance[] = [];
  let cur: Word[] = [];
  const flush = () => {
    if (cur.length) {
      const u: Utterance = { start: cur[0]!.start, end: cur[cur.length - 1]!.end, text: joinWords(cur) };
      const c = cur.map((w) => w.confidence).filter((x): x is number => typeof x === "number");
      if (c.length) u.confidence = c.reduce((a, b) => a + b, 0) / c.length;
      out.push(u);
    }
    cur = [];
  };
  for (const w of words) {
    if (cur.length && w.start - cur[cur.length - 1]!.end >= UTTERANCE_GAP_SECONDS) flush();
    cur.push(w);
    if (/[.?!]["')\]]*$/.test(w.text)) flush();
  }
  flush();
  return out;
}

/** Phrases of a turn that end in a question-like pitch rise. */
export function prosodicQuestions(turn: Turn, f: TurnFeatures): Phrase[] {
  const out: Phrase[] = [];
  f.phrases.forEach((p, i) => {
    const next = f.phrases[i + 1];
    const final = next ? next.start - p.end >= 0.6 : true;
    if (!final) return;
    if (p.voicedFrames < 15 || p.end - p.start < 0.3) return;
    if (p.finalRise >= RISE_SEMITONES) out.push(p);
  });
  return out;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function computeQuestions(input: MetricInput, features: TurnFeatures[] = analyseTurns(input)): SpeakerMetricResult {
  const out: SpeakerMetricResult = { values: [], stats: {} };
  const perTurn = turnWords(input.turns, input.words);
  const bySpeaker = new Map<string, { start: number; end: number; text?: string }[]>();
  for (const sp of speakersOf(input.turns)) bySpeaker.set(sp, []);
  input.turns.forEach((turn, ti) => {
    const list = bySpeaker.get(turn.speaker)!;
    const utts = perTurn ? utterancesOf(perTurn[ti]!) : [];
    const textQ = utts.filter((u) => (u.confidence === undefined || u.confidence >= MIN_TEXT_CONFIDENCE) && textQuestionCue(u.text) !== null);
    for (const u of textQ) list.push({ start: r2(u.start), end: r2(u.end), text: u.text });
    const f = features[ti];
    if (!f) return;
    for (const p of prosodicQuestions(turn, f)) {
      const overlaps = (u: Utterance) => Math.min(u.end, p.end) - Math.max(u.start, p.start) > 0;
      if (textQ.some(overlaps)) continue;
      const u = utts.find(overlaps);
      if (u && /[.!]["')\]]*$/.test(u.text.trim())) continue;
      const q: { start: number; end: number; text?: string } = { start: r2(p.start), end: r2(p.end) };
      if (perTurn) {
        const ws = perTurn[ti]!.filter((w) => w.end > p.start && w.start < p.end);
        if (ws.length) q.text = joinWords(ws);
      }
      list.push(q);
    }
  });
  for (const [sp, list] of bySpeaker) {
    list.sort((a, b) => a.start - b.start);
    out.values.push({ speaker_id: sp, value: list.length });
    out.stats[sp] = { questions: list };
  }
  return out;
}
