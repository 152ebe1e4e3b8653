/**
 * Emotion evaluation on a folder laid out like ../shared/eval/emotion: WAV clips plus
 * `labels.json` = [{file, emotion, actor?, ...}] with RAVDESS emotion names.
 *
 * Two modes, both running the product code (`computeEmotion`):
 *  - "clip": every clip analysed alone (no speaker baseline) — the hard case;
 *  - "speaker": all clips of one actor form one recording of one speaker (clips separated by
 *    0.5 s of silence, one turn per clip), so the speaker-normalised model runs, as on a
 *    conversation where the speaker has enough speech. No labels are used for the baseline.
 * For each: 8-class accuracy (calm kept apart, from the model's 8-class posterior), accuracy on
 * the DeepAffects vocabulary (the `emotion` field, calm → neutral), per-class recall, confusion
 * matrices (rows = truth), expected calibration error (10 bins) of the 8-class top probability
 * and of `emotion_score`, and the share of neutral/calm clips labelled disgust or fear.
 * Robustness (clip mode): the same clips band-limited to 8 kHz, resampled via 44.1 kHz, and
 * 12 dB louder or quieter — accuracy and how often the label matches the original's.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAudio16k, memorySpeechAudio, resample } from "../analysis/features/audio-io.js";
import { computeEmotion, DEEPAFFECTS_EMOTIONS, EMOTIONS, RAVDESS_TO_EMOTION, toDeepAffects, type Emotion, type SegmentEmotion } from "../analysis/metrics/emotion.js";
import { expectedCalibrationError } from "../analysis/metrics/emotion/fit.js";
import type { Turn } from "../analysis/types.js";

interface Label {
  file: string;
  emotion: string;
  actor?: number | string;
  intensity?: string;
}

export interface Confusion {
  labels: readonly string[];
  /** counts[truth][predicted] */
  counts: Record<string, Record<string, number>>;
  recall: Record<string, number>;
}

export interface EmotionEvalMode {
  n: number;
  /** 8 classes, argmax of the 8-class posterior. */
  accuracy8: number;
  /** DeepAffects vocabulary (7 labels, calm → neutral): the returned `emotion`. */
  accuracy_deepaffects: number;
  /** Accuracy of the implied arousal group: high = anger, fear, joy, surprise; low = the rest. */
  arousal_accuracy: number;
  ece8: number;
  ece_deepaffects: number;
  /** Neutral or calm clips whose `emotion` is disgust or fear. */
  neutral_as_disgust_or_fear: string;
  confusion8: Confusion;
  confusion_deepaffects: Confusion;
  /** Segments judged by the speaker model / the clip model. */
  modes: Record<string, number>;
}

export interface EmotionEvalResult {
  dir: string;
  chance8: number;
  clip: EmotionEvalMode;
  speaker: EmotionEvalMode;
  robustness: Record<string, { accuracy_deepaffects: number; same_label: number }>;
  predictions: { file: string; truth: Emotion; clip: string; clip_score: number; speaker: string; speaker_score: number }[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const top8 = (s: SegmentEmotion): Emotion => (s.posterior ? EMOTIONS.reduce((b, e) => (s.posterior![e] > s.posterior![b] ? e : b), "neutral" as Emotion) : "neutral");

function confusion(labels: readonly string[], pairs: [string, string][]): Confusion {
  const counts: Record<string, Record<string, number>> = {};
  for (const t of labels) counts[t] = Object.fromEntries(labels.map((p) => [p, 0]));
  for (const [t, p] of pairs) counts[t]![p]!++;
  const recall: Record<string, number> = {};
  for (const t of labels) {
    const n = labels.reduce((s, p) => s + counts[t]![p]!, 0);
    if (n > 0) recall[t] = r3(counts[t]![t]! / n);
  }
  return { labels, counts, recall };
}

function summarise(truth: Emotion[], res: SegmentEmotion[]): EmotionEvalMode {
  const n = truth.length;
  const p8 = res.map(top8);
  const da = res.map((s) => s.emotion);
  const high = new Set<string>(["anger", "fear", "joy", "surprise"]);
  const neutralIdx = truth.map((t, i) => (t === "neutral" || t === "calm" ? i : -1)).filter((i) => i >= 0);
  const nd = neutralIdx.filter((i) => da[i] === "disgust" || da[i] === "fear").length;
  const modes: Record<string, number> = {};
  for (const s of res) modes[s.mode ?? "none"] = (modes[s.mode ?? "none"] ?? 0) + 1;
  return {
    n,
    accuracy8: r3(p8.filter((p, i) => p === truth[i]).length / n),
    accuracy_deepaffects: r3(da.filter((p, i) => p === toDeepAffects(truth[i]!)).length / n),
    arousal_accuracy: r3(p8.filter((p, i) => high.has(p) === high.has(truth[i]!)).length / n),
    ece8: r3(expectedCalibrationError(res.map((s) => (s.posterior ? s.posterior[top8(s)] : 0)), p8.map((p, i) => p === truth[i]))),
    ece_deepaffects: r3(expectedCalibrationError(res.map((s) => s.emotion_score), da.map((p, i) => p === toDeepAffects(truth[i]!)))),
    neutral_as_disgust_or_fear: `${nd}/${neutralIdx.length}`,
    confusion8: confusion(EMOTIONS, truth.map((t, i) => [t, p8[i]!])),
    confusion_deepaffects: confusion(DEEPAFFECTS_EMOTIONS, truth.map((t, i) => [toDeepAffects(t), da[i]!])),
    modes,
  };
}

export function formatConfusion(c: Confusion): string {
  const short = (s: string) => s.slice(0, 5).padStart(6);
  const lines = ["truth\\pred" + c.labels.map(short).join("") + "  recall"];
  for (const t of c.labels) {
    const row = c.counts[t]!;
    const n = c.labels.reduce((s, p) => s + row[p]!, 0);
    if (n === 0) continue;
    lines.push(t.padEnd(10) + c.labels.map((p) => String(row[p]).padStart(6)).join("") + "  " + (c.recall[t] ?? 0).toFixed(2));
  }
  return lines.join("\n");
}

function analyseClip(samples: Float32Array): SegmentEmotion {
  const audio = memorySpeechAudio(samples);
  return computeEmotion({ audio, turns: [{ speaker: "s", start: 0, end: audio.duration }], speech: [] })[0]!;
}

export async function runEmotionEval(dir: string, options: { print?: boolean } = {}): Promise<EmotionEvalResult> {
  const print = options.print ?? true;
  const labels = JSON.parse(await readFile(join(dir, "labels.json"), "utf8")) as Label[];
  const clips: { label: Label; truth: Emotion; samples: Float32Array }[] = [];
  for (const label of labels) {
    const truth = RAVDESS_TO_EMOTION[label.emotion.toLowerCase()] ?? (label.emotion.toLowerCase() as Emotion);
    if (!EMOTIONS.includes(truth)) throw new Error(`unknown emotion label "${label.emotion}" in ${label.file}`);
    const { channels } = await loadAudio16k(join(dir, label.file));
    clips.push({ label, truth, samples: channels[0]! });
  }
  const truth = clips.map((c) => c.truth);
  const clipRes = clips.map((c) => analyseClip(c.samples));

  // speaker mode: group by actor (unknown actor = its own group)
  const groups = new Map<string, number[]>();
  clips.forEach((c, i) => {
    const key = c.label.actor !== undefined ? String(c.label.actor) : `clip${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const spkRes: SegmentEmotion[] = new Array(clips.length);
  const gap = 8000;
  for (const [actor, idx] of groups) {
    const total = idx.reduce((s, i) => s + clips[i]!.samples.length + gap, 0);
    const buf = new Float32Array(total);
    const turns: Turn[] = [];
    let pos = 0;
    for (const i of idx) {
      buf.set(clips[i]!.samples, pos);
      turns.push({ speaker: actor, start: pos / 16000, end: (pos + clips[i]!.samples.length) / 16000 });
      pos += clips[i]!.samples.length + gap;
    }
    const res = computeEmotion({ audio: memorySpeechAudio(buf), turns, speech: [] });
    idx.forEach((ci, k) => (spkRes[ci] = res[k]!));
  }

  const variants: Record<string, (x: Float32Array) => Float32Array> = {
    "8 kHz (band-limited, resampled back to 16 kHz)": (x) => resample(resample(x, 16000, 8000), 8000, 16000),
    "44.1 kHz (resampled up and back to 16 kHz)": (x) => resample(resample(x, 16000, 44100), 44100, 16000),
    "gain +12 dB": (x) => x.map((v) => v * 3.981),
    "gain -12 dB": (x) => x.map((v) => v * 0.2512),
  };
  const robustness: EmotionEvalResult["robustness"] = {};
  for (const [name, f] of Object.entries(variants)) {
    const res = clips.map((c) => analyseClip(f(c.samples)));
    robustness[name] = {
      accuracy_deepaffects: r3(res.filter((s, i) => s.emotion === toDeepAffects(truth[i]!)).length / clips.length),
      same_label: r3(res.filter((s, i) => s.emotion === clipRes[i]!.emotion).length / clips.length),
    };
  }

  const result: EmotionEvalResult = {
    dir,
    chance8: r3(1 / new Set(truth).size),
    clip: summarise(truth, clipRes),
    speaker: summarise(truth, spkRes),
    robustness,
    predictions: clips.map((c, i) => ({
      file: c.label.file,
      truth: c.truth,
      clip: clipRes[i]!.emotion,
      clip_score: clipRes[i]!.emotion_score,
      speaker: spkRes[i]!.emotion,
      speaker_score: spkRes[i]!.emotion_score,
    })),
  };
  if (print) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`emotion: ${clips.length} clips from ${dir}, ${new Set(truth).size} classes (chance ${pct(result.chance8)})`);
    for (const [name, m] of [["each clip alone (no speaker baseline)", result.clip], ["one actor's clips as one speaker", result.speaker]] as const) {
      console.log(`\n${name}: models used ${JSON.stringify(m.modes)}`);
      console.log(`  8-class accuracy ${pct(m.accuracy8)}; DeepAffects vocabulary (calm→neutral) ${pct(m.accuracy_deepaffects)}; high/low arousal ${pct(m.arousal_accuracy)}`);
      console.log(`  ECE: 8-class top probability ${m.ece8}, emotion_score ${m.ece_deepaffects}; neutral/calm clips labelled disgust or fear: ${m.neutral_as_disgust_or_fear}`);
      console.log(formatConfusion(m.confusion8).replace(/^/gm, "  "));
      console.log(formatConfusion(m.confusion_deepaffects).replace(/^/gm, "  "));
    }
    console.log("\nrobustness, each clip alone:");
    for (const [name, v] of Object.entries(robustness)) console.log(`  ${name}: DeepAffects accuracy ${pct(v.accuracy_deepaffects)}, same label as the original ${pct(v.same_label)}`);
  }
  return result;
}
