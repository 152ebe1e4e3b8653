/**
 * Speaker turns ("who spoke when").
 *
 * - Stereo with `separateSpeakerPerChannel`: one speaker per channel; channel c → speaker
 *   String(c); turns are that channel's VAD regions (turns of the two parties may overlap).
 * - Stereo without the flag: the layout is detected (stereo.ts). Channels that alternate in
 *   energy dominance → per channel as above; identical or mixed channels → mono diarization
 *   of the down-mix (speech = union of the channels' VAD regions).
 * - Two channels per party (either way): the cross-talk stage (crosstalk.ts) keeps only the
 *   parts of each channel's VAD speech where that channel's party is the near source (the
 *   other party's bleed / echo and faint background talkers are dropped; true overlaps stay).
 * - Mono: the classic diarizer (classic.ts), honouring `speakers` (-1 detect, N exactly N).
 *
 * Two entry points: `findTurns` on whole signals, and `createTurnFinder` which takes the audio
 * chunk by chunk and keeps only compact features (for multi-hour recordings).
 */
import type { SpeechRegion, Turn } from "../types.js";
import { ClassicDiarizer, type ClassicParams } from "./classic.js";
import { ChannelLevels, channelTurns, rejectCrosstalk, type CrosstalkParams, type CrosstalkResult } from "./crosstalk.js";
import { StereoAnalyzer, type StereoReport } from "./stereo.js";
import type { Diarizer, DiarizerSession, SpeakerCountInfo } from "./types.js";

export type { Diarizer, DiarizerSession, DiarizeRequest, SpeakerCountInfo } from "./types.js";
export { ClassicDiarizer, DEFAULT_PARAMS, type ClassicParams } from "./classic.js";
export { analyzeStereo, StereoAnalyzer, type StereoReport, type StereoLayout } from "./stereo.js";
export { rejectCrosstalk, DEFAULT_CROSSTALK, type CrosstalkParams, type CrosstalkResult, type Coupling, type FrameClass } from "./crosstalk.js";

export interface FindTurnsInput {
  /** One Float32Array per channel, 16 kHz. */
  channels16k: Float32Array[];
  /** VAD regions per channel (same order as channels16k). */
  speech: SpeechRegion[][];
  /** -1: detect; N: exactly N (mono diarization). */
  speakers: number;
  separateSpeakerPerChannel: boolean;
}

export type TurnMode = "mono" | "per-channel";

export interface TurnFinderOptions {
  channels: number;
  speakers: number;
  separateSpeakerPerChannel: boolean;
  /** Backend for mono diarization (default: the classic one). */
  diarizer?: Diarizer;
  /** Parameter overrides for the classic backend (evaluation / experiments). */
  params?: Partial<ClassicParams>;
  /** Cross-talk rejection on two-channel per-party audio (default on; false = the "before" of the evaluation; an object = parameter overrides). */
  crosstalk?: boolean | Partial<CrosstalkParams>;
}

export interface TurnFinderResult {
  turns: Turn[];
  mode: TurnMode;
  stereo?: StereoReport;
  /** Per channel, the speech that is that channel's party (per-channel mode with cross-talk rejection). */
  speech?: SpeechRegion[][];
  crosstalk?: Omit<CrosstalkResult, "speech">;
  /** How sure the speaker count is (mono diarization; one speaker per channel is certain by layout). */
  count?: SpeakerCountInfo;
}

export interface TurnFinder {
  /** Push one chunk per channel (same lengths), 16 kHz. */
  push(chunks: Float32Array[]): void;
  finish(speech: SpeechRegion[][]): TurnFinderResult;
  readonly bytes: number;
}

/** Union of several lists of regions, sorted and merged. */
export function unionRegions(lists: SpeechRegion[][]): SpeechRegion[] {
  const all = lists.flat().filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: SpeechRegion[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

export function createTurnFinder(opts: TurnFinderOptions): TurnFinder {
  const nch = opts.channels;
  const forcedPerChannel = nch >= 2 && opts.separateSpeakerPerChannel;
  const stereo = nch === 2 && !forcedPerChannel ? new StereoAnalyzer() : undefined;
  const crosstalk = nch === 2 && opts.crosstalk !== false;
  const levels = stereo?.levels ?? (crosstalk ? new ChannelLevels() : undefined);
  const session: DiarizerSession | undefined = forcedPerChannel ? undefined : (opts.diarizer ?? new ClassicDiarizer(opts.params)).createSession();
  let mix: Float32Array = new Float32Array(0);
  let samples = 0;
  const perChannel = (speech: SpeechRegion[][], rep?: StereoReport): TurnFinderResult => {
    const base = rep ? { mode: "per-channel" as const, stereo: rep } : { mode: "per-channel" as const };
    if (!crosstalk || !levels || speech.length !== 2) return { turns: channelTurns(speech), ...base };
    const overrides = typeof opts.crosstalk === "object" ? opts.crosstalk : {};
    const { speech: own, ...report } = rejectCrosstalk(levels.levels(), [speech[0]!, speech[1]!], samples / 16000, overrides);
    return { turns: channelTurns(own), ...base, speech: own, crosstalk: report };
  };
  return {
    push(chunks: Float32Array[]) {
      samples += chunks[0]?.length ?? 0;
      if (!session) {
        if (levels && chunks.length === 2) levels.push(chunks[0]!, chunks[1]!);
        return;
      }
      if (chunks.length === 1) {
        session.push(chunks[0]!);
        return;
      }
      const n = chunks[0]!.length;
      if (mix.length < n) mix = new Float32Array(n);
      const m = mix.subarray(0, n);
      m.fill(0);
      for (const ch of chunks) for (let i = 0; i < n; i++) m[i] = m[i]! + ch[i]!;
      const k = 1 / chunks.length;
      for (let i = 0; i < n; i++) m[i] = m[i]! * k;
      stereo?.push(chunks[0]!, chunks[1]!);
      session.push(m);
    },
    finish(speech: SpeechRegion[][]): TurnFinderResult {
      if (forcedPerChannel) return perChannel(speech);
      const rep = stereo?.result();
      if (rep && rep.layout === "per-channel") return perChannel(speech, rep);
      const regions = rep?.layout === "identical" ? unionRegions([speech[0] ?? []]) : unionRegions(speech);
      const req = { speakers: opts.speakers, speech: regions };
      const d = session!.finishDetailed ? session!.finishDetailed(req) : { turns: session!.finish(req), count: undefined };
      const turns = d.turns;
      return { turns, mode: "mono", ...(rep ? { stereo: rep } : {}), ...(d.count ? { count: d.count } : {}) };
    },
    get bytes() {
      return (session?.bytes ?? 0) + (levels?.bytes ?? 0);
    },
  };
}

/** Speaker turns from whole 16 kHz signals and their per-channel VAD regions. */
export function findTurns(input: FindTurnsInput): Turn[] {
  return findTurnsDetailed(input).turns;
}

export function findTurnsDetailed(input: FindTurnsInput, extra: { diarizer?: Diarizer; params?: Partial<ClassicParams>; crosstalk?: boolean | Partial<CrosstalkParams> } = {}): TurnFinderResult {
  const ch = input.channels16k;
  const f = createTurnFinder({ channels: ch.length, speakers: input.speakers, separateSpeakerPerChannel: input.separateSpeakerPerChannel, ...extra });
  const n = ch.length ? Math.min(...ch.map((c) => c.length)) : 0;
  const step = 16000 * 10;
  for (let s = 0; s < n; s += step) f.push(ch.map((c) => c.subarray(s, Math.min(n, s + step))));
  return f.finish(input.speech);
}
