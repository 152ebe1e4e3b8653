/** Small formatting helpers and the colour of each speaker and emotion. */
import type { PageAnalysisQuery } from "./generated/graphql";

export type Analysis = NonNullable<PageAnalysisQuery["analysis"]>;
export type Result = NonNullable<Analysis["result"]>;
export type Segment = Result["segments"][number];

/** 75.3 → "1:15.3"; 3725 → "1:02:05". */
export function clock(seconds: number, decimals = 1): string {
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  const secText = sec.toFixed(decimals).padStart(decimals > 0 ? 3 + decimals : 2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${secText}` : `${m}:${secText}`;
}

export const seconds = (s: number | null | undefined) => (s === null || s === undefined ? "—" : `${s.toFixed(1)} s`);
export const percent = (x: number) => `${Math.round(x * 100)} %`;

/** Recording length as the result tells it: talk time plus non-talk time, or the last event. */
export function durationOf(r: { totalSpeechDuration: number; silence?: { totalSeconds: number } | null; segments?: { end: number }[] }): number {
  const fromSilence = r.silence ? r.totalSpeechDuration + r.silence.totalSeconds : 0;
  const lastSegment = Math.max(0, ...(r.segments ?? []).map((s) => s.end));
  return Math.max(fromSilence, lastSegment, 0.001);
}

const SPEAKER_COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#b91c1c", "#4d7c0f"];

/** Speakers in a stable order: numeric ids numerically, others by name. */
export function speakerOrder(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a.localeCompare(b)));
}

export const speakerColour = (index: number) => SPEAKER_COLOURS[index % SPEAKER_COLOURS.length]!;
/** Named as the API names them ("0", "1", …), so the page and the JSON agree. */
export const speakerName = (id: string) => (/^\d+$/.test(id) ? `Speaker ${id}` : id);

export const EMOTIONS: Record<string, { colour: string; short: string }> = {
  neutral: { colour: "#9ca3af", short: "neu" },
  calm: { colour: "#14b8a6", short: "calm" },
  joy: { colour: "#facc15", short: "joy" },
  sadness: { colour: "#3b82f6", short: "sad" },
  anger: { colour: "#ef4444", short: "ang" },
  fear: { colour: "#a855f7", short: "fear" },
  disgust: { colour: "#65a30d", short: "dis" },
  surprise: { colour: "#f97316", short: "sur" },
};
export const emotionStyle = (e: string | null | undefined) => (e ? EMOTIONS[e] ?? { colour: "#6b7280", short: e.slice(0, 4) } : undefined);

/** Stretches where two or more speakers talk at once (from the segments, which may overlap). */
export function overlaps(segments: { speakerId: string; start: number; end: number }[]): { start: number; end: number }[] {
  const events = segments.flatMap((s) => [
    { t: s.start, d: 1 },
    { t: s.end, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d); // ends before starts at the same instant
  const out: { start: number; end: number }[] = [];
  let active = 0;
  let from = 0;
  for (const e of events) {
    const before = active;
    active += e.d;
    if (before < 2 && active >= 2) from = e.t;
    if (before >= 2 && active < 2 && e.t > from) out.push({ start: from, end: e.t });
  }
  return out;
}
