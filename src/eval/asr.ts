/**
 * Transcription and question-detection evaluation.
 *
 * `runAsrEval(dir)`: on a folder laid out like ../shared/eval/asr (`transcripts.json` =
 * [{file, text}] + audio files), the word error rate of every available transcriber, per file
 * and pooled (total edits / total reference words). Text is normalised: lower case, punctuation
 * removed except apostrophes inside words, hyphens to spaces. Also reports the syllable-nuclei
 * count against a dictionary-free syllable estimate of the reference text (a check of the pace
 * metric's syllable rate).
 *
 * `runQuestionEval(dir)`: on a folder of recordings whose JSON ground truth has a time-stamped
 * `transcript` ([{speaker, start, end, text}], e.g. ../shared/eval/diarization/sample.json),
 * question precision/recall using the reference turns: a reference question is an utterance
 * whose text ends with "?"; a detection is correct when it overlaps a reference question in
 * time (0.1 s tolerance). Modes: prosody only (no words), + reference text without punctuation
 * (an unpunctuating recognizer that makes no errors), + reference text with punctuation, and
 * + each available recognizer's words.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAudio16k, memorySpeechAudio } from "../analysis/features/audio-io.js";
import { analyseTurn } from "../analysis/features/segment.js";
import { createTranscriber, pocketsphinxAvailable, transcribeTurns, type Transcriber } from "../analysis/transcription/index.js";
import { computeQuestions } from "../analysis/metrics/questions.js";
import type { Turn, Word } from "../analysis/types.js";

export function normaliseText(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2019]/g, "'")
    .replace(/-/g, " ")
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ""))
    .filter(Boolean);
}

/** Word-level Levenshtein distance. */
export function wordEdits(ref: string[], hyp: string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[hyp.length]!;
}

/** Rough English syllable count of a word (vowel groups, silent final e). */
export function estimateSyllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, "");
  if (!w) return 0;
  if (w.length <= 3) return 1;
  const groups = w.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, "").replace(/^y/, "").match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups ? groups.length : 1);
}

/** The transcribers available here: none always, pocketsphinx when installed, openai when OPENAI_BASE_URL is set. */
export function availableTranscribers(env: NodeJS.ProcessEnv = process.env): Transcriber[] {
  const list: Transcriber[] = [createTranscriber({ kind: "none" })];
  if (pocketsphinxAvailable()) list.push(createTranscriber({ kind: "pocketsphinx" }));
  if (env.OPENAI_BASE_URL) {
    list.push(createTranscriber({ kind: "openai", openaiBaseUrl: env.OPENAI_BASE_URL, openaiApiKey: env.OPENAI_API_KEY, model: env.TRANSCRIBER_MODEL }));
  }
  return list;
}

export interface AsrEvalResult {
  dir: string;
  providers: Record<string, { pooled_wer: number; files: { file: string; wer: number; ref_words: number; hypothesis: string; seconds: number }[] }>;
  syllables: { file: string; reference_estimate: number; detected: number }[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function runAsrEval(dir: string, options: { print?: boolean; transcribers?: Transcriber[] } = {}): Promise<AsrEvalResult> {
  const print = options.print ?? true;
  const refs = JSON.parse(await readFile(join(dir, "transcripts.json"), "utf8")) as { file: string; text: string }[];
  const transcribers = options.transcribers ?? availableTranscribers();
  const result: AsrEvalResult = { dir, providers: {}, syllables: [] };
  const audios = new Map<string, Float32Array>();
  for (const r of refs) audios.set(r.file, (await loadAudio16k(join(dir, r.file))).channels[0]!);
  for (const tr of transcribers) {
    let edits = 0;
    let words = 0;
    const files: AsrEvalResult["providers"][string]["files"] = [];
    for (const r of refs) {
      const samples = audios.get(r.file)!;
      const audio = memorySpeechAudio(samples);
      const t0 = performance.now();
      let hypWords: Word[];
      try {
        hypWords = await transcribeTurns(tr, audio, [{ speaker: "s", start: 0, end: audio.duration }]);
      } catch (e) {
        if (print) console.log(`  ${tr.name} failed on ${r.file}: ${(e as Error).message}`);
        hypWords = [];
      }
      const seconds = (performance.now() - t0) / 1000;
      const ref = normaliseText(r.text);
      const hyp = normaliseText(hypWords.map((w) => w.text).join(" "));
      const e = wordEdits(ref, hyp);
      edits += e;
      words += ref.length;
      files.push({ file: r.file, wer: r3(e / Math.max(1, ref.length)), ref_words: ref.length, hypothesis: hyp.join(" "), seconds: r3(seconds) });
    }
    result.providers[tr.name] = { pooled_wer: r3(edits / Math.max(1, words)), files };
  }
  for (const r of refs) {
    const samples = audios.get(r.file)!;
    const audio = memorySpeechAudio(samples);
    const f = analyseTurn(audio, { speaker: "s", start: 0, end: audio.duration });
    result.syllables.push({ file: r.file, reference_estimate: normaliseText(r.text).reduce((s, w) => s + estimateSyllables(w), 0), detected: f.syllables });
  }
  if (print) {
    console.log(`ASR: ${refs.length} files from ${dir}`);
    const names = Object.keys(result.providers);
    console.log("file".padEnd(56) + names.map((n) => n.padStart(14)).join(""));
    refs.forEach((r, i) => {
      console.log(r.file.padEnd(56) + names.map((n) => (result.providers[n]!.files[i]!.wer * 100).toFixed(1).padStart(13) + "%").join(""));
    });
    console.log("pooled".padEnd(56) + names.map((n) => (result.providers[n]!.pooled_wer * 100).toFixed(1).padStart(13) + "%").join(""));
    for (const n of names) if (n !== "none") for (const f of result.providers[n]!.files) console.log(`  ${n} ${f.file}: "${f.hypothesis}"`);
    const ref = result.syllables.reduce((s, x) => s + x.reference_estimate, 0);
    const det = result.syllables.reduce((s, x) => s + x.detected, 0);
    console.log(`syllable nuclei: detected ${det} vs ~${ref} in the reference texts (ratio ${(det / Math.max(1, ref)).toFixed(2)})`);
  }
  return result;
}

// ---------- question detection ----------

interface TranscriptEntry {
  speaker: string;
  start: number;
  end: number;
  text: string;
}

export interface QuestionModeResult {
  detected: number;
  reference: number;
  true_positives: number;
  precision: number;
  recall: number;
  detections: { start: number; end: number; text?: string; correct: boolean }[];
}

export interface QuestionEvalResult {
  dir: string;
  files: string[];
  modes: Record<string, QuestionModeResult>;
}

/** Words from a reference transcript, spread evenly over each utterance's span. */
export function transcriptWords(entries: TranscriptEntry[], keepPunctuation: boolean): Word[] {
  const out: Word[] = [];
  for (const e of entries) {
    const toks = e.text.split(/\s+/).filter(Boolean);
    const step = (e.end - e.start) / Math.max(1, toks.length);
    toks.forEach((t, i) => {
      const text = keepPunctuation ? t : t.replace(/[.,?!;:"]/g, "");
      if (text) out.push({ text, start: e.start + i * step, end: e.start + (i + 1) * step });
    });
  }
  return out;
}

export async function runQuestionEval(dir: string, options: { print?: boolean; transcribers?: Transcriber[] } = {}): Promise<QuestionEvalResult> {
  const print = options.print ?? true;
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  const modes: Record<string, { det: QuestionModeResult["detections"]; ref: number; tpRef: number }> = {};
  const used: string[] = [];
  const transcribers = (options.transcribers ?? availableTranscribers()).filter((t) => t.name !== "none");
  for (const jf of files) {
    const gt = JSON.parse(await readFile(join(dir, jf), "utf8")) as { audio?: string; segments?: Turn[]; transcript?: TranscriptEntry[] };
    if (!Array.isArray(gt.transcript) || !Array.isArray(gt.segments)) continue;
    const wav = join(dir, gt.audio ?? jf.replace(/\.json$/, ".wav"));
    if (!existsSync(wav)) continue;
    used.push(jf);
    const { channels } = await loadAudio16k(wav);
    const audio = memorySpeechAudio(channels);
    const turns: Turn[] = gt.segments.map((s) => ({ speaker: s.speaker, start: s.start, end: s.end }));
    const refQ = gt.transcript.filter((t) => /\?\s*$/.test(t.text));
    const runs: Record<string, Word[] | undefined> = {
      prosody_only: undefined,
      reference_text_unpunctuated: transcriptWords(gt.transcript, false),
      reference_text_punctuated: transcriptWords(gt.transcript, true),
    };
    for (const tr of transcribers) {
      try {
        runs[`${tr.name}_words`] = await transcribeTurns(tr, audio, turns);
      } catch (e) {
        if (print) console.log(`  ${tr.name} failed: ${(e as Error).message}`);
      }
    }
    for (const [mode, words] of Object.entries(runs)) {
      const r = computeQuestions({ audio, turns, words, speech: [] });
      const det = Object.values(r.stats).flatMap((s) => s.questions ?? []);
      const m = (modes[mode] ??= { det: [], ref: 0, tpRef: 0 });
      const hit = (a: { start: number; end: number }, b: { start: number; end: number }) => Math.min(a.end, b.end) - Math.max(a.start, b.start) > -0.1;
      for (const d of det) m.det.push({ ...d, correct: refQ.some((q) => hit(q, d)) });
      m.ref += refQ.length;
      m.tpRef += refQ.filter((q) => det.some((d) => hit(q, d))).length;
    }
  }
  const out: QuestionEvalResult = { dir, files: used, modes: {} };
  for (const [mode, m] of Object.entries(modes)) {
    const tp = m.det.filter((d) => d.correct).length;
    out.modes[mode] = {
      detected: m.det.length,
      reference: m.ref,
      true_positives: tp,
      precision: m.det.length ? r3(tp / m.det.length) : 0,
      recall: m.ref ? r3(m.tpRef / m.ref) : 0,
      detections: m.det,
    };
  }
  if (print) {
    console.log(`questions: ${used.join(", ") || "no file with a transcript"} in ${dir}`);
    for (const [mode, r] of Object.entries(out.modes)) {
      console.log(`  ${mode.padEnd(30)} detected ${r.detected}, reference ${r.reference}, precision ${r.precision}, recall ${r.recall}`);
    }
  }
  return out;
}
