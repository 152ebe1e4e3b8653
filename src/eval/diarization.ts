/**
 * Diarization evaluation over a folder laid out like ../shared/eval/diarization (X.wav + X.json
 * with `segments: [{speaker, start, end}]`) or ../shared/eval/stereo (a stereo call with
 * `turn_pairs` of human word-timing spans).
 *
 * Figures per file and pooled over files (sums of the DER components, then the ratio):
 * DER with and without a 0.25 s collar (missed / false alarm / confusion), the optimal
 * speaker mapping, detected vs true speaker count, per-speaker talk-time error, and
 * precision/recall of overlap onsets and of interruptions (0.5 s tolerance).
 *
 * Two-channel files also get the cross-talk figures (stereoFigures): DER before (cross-talk
 * stage off) and after, the layout found and its level separation, the estimated coupling,
 * talk-to-listen per party and interruption counts, each against the truth.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { SpeechRegion, Turn } from "../analysis/types.js";
import { findTurnsDetailed, type ClassicParams, type SpeakerCountInfo } from "../analysis/diarization/index.js";
import { detectSpeech16k, loadAudio16k, REPO_ROOT } from "../analysis/diarization/io.js";
import { findInterruptions } from "../analysis/metrics/interruptions.js";
import { talkToListen } from "../analysis/metrics/talk-to-listen.js";
import type { Coupling, CrosstalkParams, StereoReport } from "../analysis/diarization/index.js";
import { computeDer, eventPR, overlapOnsets, pooled, talkSeconds, type DerResult, type Segment } from "./der.js";

export const COLLAR = 0.25;
export const TOLERANCE = 0.5;

export interface FileResult {
  file: string;
  duration: number;
  mode: string;
  speakersTrue: number;
  speakersDetected: number;
  /** The diarizer's confidence in its count and runner-up (mono). */
  countConfidence?: number;
  countRunnerUp?: number;
  der: DerResult;
  derCollar: DerResult;
  talkTimeError: { speaker: string; ref: number; hyp: number; error: number }[];
  overlapOnsets: ReturnType<typeof eventPR>;
  interruptions: ReturnType<typeof eventPR>;
  seconds: number;
  /** Two-channel files: cross-talk figures. */
  stereo?: StereoFigures;
}

export interface StereoFigures {
  layout: string;
  separationDb: [number, number];
  /** Cross-talk stage off ("before") on the same VAD regions. */
  before: { mode: string; der: DerResult; derCollar: DerResult; talkToListen: Record<string, string>; interruptions: number };
  /** Truth speaker → "talk:listen" (truth, and the hypothesis through the DER mapping). */
  talkToListen: { speaker: string; ref: string; hyp: string }[];
  interruptions: { ref: number; hyp: number };
  coupling?: [Coupling, Coupling];
}

export interface EvalSummary {
  dataset: string;
  files: FileResult[];
  pooled: {
    der: ReturnType<typeof pooled>;
    derCollar: ReturnType<typeof pooled>;
    speakerCountExact: number;
    speakerCountFiles: number;
    overlapOnsets: { precision: number; recall: number };
    interruptions: { precision: number; recall: number };
    meanAbsTalkTimeError: number;
    /** Two-channel files: pooled DER with the cross-talk stage off. */
    stereoBefore?: { der: ReturnType<typeof pooled>; derCollar: ReturnType<typeof pooled>; files: number };
  };
  /** Question-detection figures (cli.ts adds them when the folder has transcripts). */
  questions?: unknown;
}

export interface DiarizationRunOptions {
  /** Tell the diarizer the true speaker count (evaluation of the speakers:N path). */
  oracleCount?: boolean;
  params?: Partial<ClassicParams>;
  speechCache?: Map<string, SpeechRegion[][]>;
  quiet?: boolean;
  /** Cross-talk rejection on per-channel stereo (default on; an object = parameter overrides). */
  crosstalk?: boolean | Partial<CrosstalkParams>;
}

interface Hypothesis {
  turns: Turn[];
  mode: string;
  duration: number;
  channels: number;
  stereo?: StereoReport;
  coupling?: [Coupling, Coupling];
  count?: SpeakerCountInfo;
}

async function hypothesis(wav: string, speakers: number, opts: DiarizationRunOptions, separate = false): Promise<Hypothesis> {
  const a = await loadAudio16k(wav);
  let speech = opts.speechCache?.get(wav);
  if (!speech) {
    speech = [];
    for (const ch of a.channels) speech.push(await detectSpeech16k(ch));
    opts.speechCache?.set(wav, speech);
  }
  const r = findTurnsDetailed({ channels16k: a.channels, speech, speakers, separateSpeakerPerChannel: separate }, { params: opts.params, crosstalk: opts.crosstalk });
  return { turns: r.turns, mode: r.mode, duration: a.duration, channels: a.channels.length, stereo: r.stereo, coupling: r.crosstalk?.coupling, ...(r.count ? { count: r.count } : {}) };
}

/** "talk:listen" per speaker of a turn list. */
const ratios = (turns: Turn[]): Record<string, string> => Object.fromEntries(talkToListen(turns).map((x) => [x.speaker, x.ratio]));

/** Cross-talk figures of a two-channel file: the "before" run and the call metrics vs truth. */
async function stereoFigures(wav: string, ref: Segment[], after: Hypothesis, afterDer: DerResult, duration: number, opts: DiarizationRunOptions): Promise<StereoFigures> {
  const b = await hypothesis(wav, -1, { ...opts, crosstalk: false });
  const refTl = ratios(ref), hypTl = ratios(after.turns);
  const inv: Record<string, string> = {};
  for (const [h, r] of Object.entries(afterDer.mapping)) inv[r] = h;
  return {
    layout: after.stereo?.layout ?? "(flag)",
    separationDb: after.stereo?.separationDb ?? [0, 0],
    before: {
      mode: b.mode,
      der: computeDer(ref, b.turns, { duration }),
      derCollar: computeDer(ref, b.turns, { duration, collar: COLLAR }),
      talkToListen: ratios(b.turns),
      interruptions: findInterruptions(b.turns).length,
    },
    talkToListen: Object.keys(refTl).sort().map((sp) => ({ speaker: sp, ref: refTl[sp]!, hyp: inv[sp] !== undefined ? (hypTl[inv[sp]!] ?? "0:100") : "-" })),
    interruptions: { ref: findInterruptions(ref).length, hyp: findInterruptions(after.turns).length },
    ...(after.coupling ? { coupling: after.coupling } : {}),
  };
}

function evalOne(file: string, ref: Segment[], hyp: Turn[], duration: number, mode: string, seconds: number): FileResult {
  const der = computeDer(ref, hyp, { duration });
  const derCollar = computeDer(ref, hyp, { duration, collar: COLLAR });
  const refTalk = talkSeconds(ref), hypTalk = talkSeconds(hyp);
  const inv: Record<string, string> = {};
  for (const [h, r] of Object.entries(der.mapping)) inv[r] = h;
  const talkTimeError = Object.entries(refTalk).map(([sp, t]) => {
    const h = inv[sp] !== undefined ? (hypTalk[inv[sp]!] ?? 0) : 0;
    return { speaker: sp, ref: t, hyp: h, error: h - t };
  });
  const refInt = findInterruptions(ref).map((e) => e.start);
  const hypInt = findInterruptions(hyp).map((e) => e.start);
  return {
    file,
    duration,
    mode,
    speakersTrue: new Set(ref.map((s) => s.speaker)).size,
    speakersDetected: new Set(hyp.map((s) => s.speaker)).size,
    der,
    derCollar,
    talkTimeError,
    overlapOnsets: eventPR(overlapOnsets(ref), overlapOnsets(hyp), TOLERANCE),
    interruptions: eventPR(refInt, hypInt, TOLERANCE),
    seconds,
  };
}

interface StereoTruth {
  turn_pairs?: { start: number; end: number }[];
  derived_channel_activity?: { segments: Segment[] };
}

export async function runDiarizationEval(dir: string, opts: DiarizationRunOptions = {}): Promise<EvalSummary> {
  opts = { ...opts, speechCache: opts.speechCache ?? new Map() };
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const results: FileResult[] = [];
  for (const jf of files) {
    const truth = JSON.parse(readFileSync(join(dir, jf), "utf8")) as { segments?: Segment[]; duration?: number } & StereoTruth;
    const stem = jf.replace(/\.json$/, "");
    const wav = [`${stem}.wav`, ...readdirSync(dir).filter((f) => f.startsWith(stem) && f.endsWith(".wav"))].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (!wav) continue;
    const t0 = performance.now();
    if (truth.segments) {
      const ref = truth.segments;
      const nTrue = new Set(ref.map((s) => s.speaker)).size;
      const h = await hypothesis(wav, opts.oracleCount ? nTrue : -1, opts);
      const fr = evalOne(basename(wav), ref, h.turns, truth.duration ?? h.duration, h.mode, (performance.now() - t0) / 1000);
      if (h.channels === 2 && opts.crosstalk !== false) fr.stereo = await stereoFigures(wav, ref, h, fr.der, truth.duration ?? h.duration, opts);
      if (h.count) {
        fr.countConfidence = h.count.confidence;
        if (h.count.runnerUp !== undefined) fr.countRunnerUp = h.count.runnerUp;
      }
      results.push(fr);
    } else if (truth.turn_pairs || truth.derived_channel_activity) {
      // Stereo call: the automatic layout detection must choose per-channel on its own.
      const h = await hypothesis(wav, -1, opts, false);
      const refSegs = truth.derived_channel_activity?.segments.map((s) => ({ ...s, speaker: s.speaker.startsWith("ch0") ? "ch0" : "ch1" })) ?? [];
      const r = evalOne(basename(wav), refSegs, h.turns, h.duration, h.mode, (performance.now() - t0) / 1000);
      // Human turn_pairs: each span holds one agent turn followed by one user turn; report
      // how much detected speech falls inside the spans and whether both parties are found in each.
      if (truth.turn_pairs) {
        const pairs = truth.turn_pairs;
        let inside = 0, total = 0, both = 0;
        for (const t of h.turns) {
          total += t.end - t.start;
          for (const p of pairs) inside += Math.max(0, Math.min(p.end, t.end) - Math.max(p.start, t.start));
        }
        for (const p of pairs) {
          const sp = new Set(h.turns.filter((t) => Math.min(p.end, t.end) - Math.max(p.start, t.start) > 0.2).map((t) => t.speaker));
          if (sp.size >= 2) both++;
        }
        r.stereo = await stereoFigures(wav, refSegs, h, r.der, h.duration, opts);
        (r as FileResult & { turnPairs?: unknown }).turnPairs = { speechInsideSpans: total ? inside / total : 0, spansWithBothParties: both / Math.max(1, pairs.length), spans: pairs.length, note: "DER here is against derived_channel_activity (energy estimate, not human)" };
      }
      results.push(r);
    }
    if (!opts.quiet) printFile(results[results.length - 1]!);
  }
  const pd = pooled(results.map((r) => r.der));
  const pc = pooled(results.map((r) => r.derCollar));
  const sumPR = (k: "overlapOnsets" | "interruptions") => {
    const m = results.reduce((a, r) => a + r[k].matched, 0);
    const nr = results.reduce((a, r) => a + r[k].nRef, 0);
    const nh = results.reduce((a, r) => a + r[k].nHyp, 0);
    return { precision: nh ? m / nh : nr ? 0 : 1, recall: nr ? m / nr : 1, matched: m, nRef: nr, nHyp: nh };
  };
  const tte = results.flatMap((r) => r.talkTimeError.map((e) => Math.abs(e.error)));
  const summary: EvalSummary = {
    dataset: resolve(dir),
    files: results,
    pooled: {
      der: pd,
      derCollar: pc,
      speakerCountExact: results.filter((r) => r.speakersDetected === r.speakersTrue).length,
      speakerCountFiles: results.length,
      overlapOnsets: sumPR("overlapOnsets"),
      interruptions: sumPR("interruptions"),
      meanAbsTalkTimeError: tte.length ? tte.reduce((a, b) => a + b, 0) / tte.length : 0,
    },
  };
  const st = results.filter((r) => r.stereo);
  if (st.length) summary.pooled.stereoBefore = { der: pooled(st.map((r) => r.stereo!.before.der)), derCollar: pooled(st.map((r) => r.stereo!.before.derCollar)), files: st.length };
  return summary;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function printFile(r: FileResult): void {
  const c = r.derCollar, d = r.der;
  const map = Object.entries(d.mapping).map(([h, s]) => `${h}→${s}`).join(" ");
  console.log(
    `${r.file.padEnd(26)} DER ${pct(d.der).padStart(6)} (miss ${d.missed.toFixed(2)}s fa ${d.falseAlarm.toFixed(2)}s conf ${d.confusion.toFixed(2)}s)  ` +
      `collar ${pct(c.der).padStart(6)} (miss ${c.missed.toFixed(2)} fa ${c.falseAlarm.toFixed(2)} conf ${c.confusion.toFixed(2)})  ` +
      `spk ${r.speakersDetected}/${r.speakersTrue}${r.countConfidence !== undefined ? ` (conf ${r.countConfidence.toFixed(2)}${r.countRunnerUp !== undefined ? `, runner-up ${r.countRunnerUp}` : ""})` : ""}  mode ${r.mode}  map ${map}`,
  );
  console.log(
    `${"".padEnd(26)} talk-time err ${r.talkTimeError.map((e) => `${e.speaker} ${e.error >= 0 ? "+" : ""}${e.error.toFixed(1)}s`).join(", ")}  ` +
      `overlap-onset P/R ${r.overlapOnsets.matched}/${r.overlapOnsets.nHyp} ${r.overlapOnsets.matched}/${r.overlapOnsets.nRef}  ` +
      `interruption P/R ${r.interruptions.matched}/${r.interruptions.nHyp} ${r.interruptions.matched}/${r.interruptions.nRef}  (${r.seconds.toFixed(1)}s)`,
  );
  if (r.stereo) printStereo(r);
}

function printStereo(r: FileResult): void {
  const s = r.stereo!, b = s.before;
  const cp = s.coupling?.map((c) => `${c.from}→${c.to} lag ${c.lagFrames * 10} ms gain ${c.gainDb.toFixed(1)} dB margin ${c.marginDb.toFixed(1)}`).join("; ");
  console.log(
    `${"".padEnd(26)} cross-talk: before DER ${pct(b.der.der)} collar ${pct(b.derCollar.der)} (mode ${b.mode}) → after DER ${pct(r.der.der)} collar ${pct(r.derCollar.der)}; ` +
      `layout ${s.layout} (separation ${s.separationDb.map((x) => x.toFixed(1)).join("/")} dB)${cp ? `; coupling ${cp}` : ""}`,
  );
  console.log(
    `${"".padEnd(26)} talk:listen ${s.talkToListen.map((t) => `${t.speaker} truth ${t.ref} hyp ${t.hyp}`).join(", ")} (before ${Object.entries(b.talkToListen).map(([k, v]) => `${k} ${v}`).join(", ")}); ` +
      `interruptions truth ${s.interruptions.ref} hyp ${s.interruptions.hyp} (before ${b.interruptions})`,
  );
}

export function printSummary(s: EvalSummary): void {
  const p = s.pooled;
  console.log(
    `\nPOOLED over ${p.speakerCountFiles} files: DER ${pct(p.der.der)} (miss ${pct(p.der.missed / (p.der.total || 1))} fa ${pct(p.der.falseAlarm / (p.der.total || 1))} conf ${pct(p.der.confusion / (p.der.total || 1))}); ` +
      `collar ${COLLAR}s: ${pct(p.derCollar.der)} (miss ${pct(p.derCollar.missed / (p.derCollar.total || 1))} fa ${pct(p.derCollar.falseAlarm / (p.derCollar.total || 1))} conf ${pct(p.derCollar.confusion / (p.derCollar.total || 1))})`,
  );
  console.log(
    `speaker count exact ${p.speakerCountExact}/${p.speakerCountFiles}; mean |talk-time error| ${p.meanAbsTalkTimeError.toFixed(2)}s; ` +
      `overlap onsets P ${pct(p.overlapOnsets.precision)} R ${pct(p.overlapOnsets.recall)}; interruptions P ${pct(p.interruptions.precision)} R ${pct(p.interruptions.recall)}`,
  );
  if (p.stereoBefore) {
    const b = p.stereoBefore;
    console.log(`two-channel files (${b.files}): cross-talk stage off ("before") DER ${pct(b.der.der)}, collar ${COLLAR}s: ${pct(b.derCollar.der)}`);
  }
}

export function writeResults(name: string, s: EvalSummary): string {
  const dir = join(REPO_ROOT, "eval-results");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.json`);
  writeFileSync(out, JSON.stringify(s, null, 2));
  return out;
}

/** Two runs on the same folder side by side: DER with collar and detected/true count per file, pooled. */
export function printComparison(a: EvalSummary, b: EvalSummary, la: string, lb: string): void {
  console.log(`${"file".padEnd(18)} | ${la.padEnd(36)} | ${lb}`);
  const cell = (f: FileResult) => `collar ${pct(f.derCollar.der).padStart(6)}  spk ${f.speakersDetected}/${f.speakersTrue}${f.countConfidence !== undefined ? ` conf ${f.countConfidence.toFixed(2)}` : ""}`;
  a.files.forEach((f, i) => console.log(`${f.file.padEnd(18)} | ${cell(f).padEnd(36)} | ${cell(b.files[i]!)}`));
  const pool = (s: EvalSummary) => `collar ${pct(s.pooled.derCollar.der).padStart(6)}  exact ${s.pooled.speakerCountExact}/${s.pooled.speakerCountFiles}`;
  const ami = (s: EvalSummary) => pct(pooled(s.files.filter((f) => f.file.startsWith("ami_")).map((f) => f.derCollar)).der);
  console.log(`${"POOLED".padEnd(18)} | ${pool(a).padEnd(36)} | ${pool(b)}`);
  console.log(`${"AMI pooled".padEnd(18)} | ${("collar " + ami(a)).padEnd(36)} | collar ${ami(b)}`);
}
