/**
 * Emotion evaluation on a folder laid out like ../shared/eval/emotion: WAV clips plus
 * `labels.json` = [{file, emotion, actor?, ...}] with RAVDESS emotion names.
 *
 * Two modes, both running the product code (`computeEmotion`):
 *  - "speaker": all clips of one actor form one recording of one speaker (clips separated by
 *    0.5 s of silence, one turn per clip), so each clip is judged against that speaker's own
 *    baseline — how the metric works on a conversation. No labels are used for the baseline.
 *  - "clip": every clip analysed alone (baseline = population prior), the worst case.
 * Reports accuracy, per-class recall and the 8×8 confusion matrix (rows = truth).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadAudio16k, memorySpeechAudio } from "../analysis/features/audio-io.js";
import { computeEmotion, EMOTIONS, RAVDESS_TO_EMOTION, type Emotion } from "../analysis/metrics/emotion.js";
import type { Turn } from "../analysis/types.js";

interface Label {
  file: string;
  emotion: string;
  actor?: number | string;
  intensity?: string;
}

export interface EmotionEvalMode {
  accuracy: number;
  /** Accuracy of the implied arousal group: high = anger, fear, joy, surprise; low = the rest. */
  arousal_accuracy: number;
  n: number;
  per_class_recall: Record<string, number>;
  /** confusion[truth][predicted] = count */
  confusion: Record<string, Record<string, number>>;
}

export interface EmotionEvalResult {
  dir: string;
  labels: readonly string[];
  chance: number;
  speaker: EmotionEvalMode;
  clip: EmotionEvalMode;
  predictions: { file: string; truth: string; speaker_mode: string; clip_mode: string; score: number }[];
}

function summarise(pairs: { truth: Emotion; pred: Emotion }[]): EmotionEvalMode {
  const confusion: Record<string, Record<string, number>> = {};
  for (const t of EMOTIONS) confusion[t] = Object.fromEntries(EMOTIONS.map((p) => [p, 0]));
  let correct = 0;
  for (const { truth, pred } of pairs) {
    confusion[truth]![pred]!++;
    if (truth === pred) correct++;
  }
  const per_class_recall: Record<string, number> = {};
  for (const t of EMOTIONS) {
    const n = EMOTIONS.reduce((s, p) => s + confusion[t]![p]!, 0);
    if (n > 0) per_class_recall[t] = Math.round((confusion[t]![t]! / n) * 1000) / 1000;
  }
  const high = new Set<Emotion>(["anger", "fear", "joy", "surprise"]);
  const arousalOk = pairs.filter((p) => high.has(p.truth) === high.has(p.pred)).length;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    accuracy: pairs.length ? r3(correct / pairs.length) : 0,
    arousal_accuracy: pairs.length ? r3(arousalOk / pairs.length) : 0,
    n: pairs.length,
    per_class_recall,
    confusion,
  };
}

export function formatConfusion(mode: EmotionEvalMode): string {
  const short = (s: string) => s.slice(0, 5).padStart(6);
  const lines = ["truth\\pred" + EMOTIONS.map(short).join("") + "  recall"];
  for (const t of EMOTIONS) {
    const row = mode.confusion[t]!;
    const n = EMOTIONS.reduce((s, p) => s + row[p]!, 0);
    if (n === 0) continue;
    lines.push(t.padEnd(10) + EMOTIONS.map((p) => String(row[p]).padStart(6)).join("") + "  " + (mode.per_class_recall[t] ?? 0).toFixed(2));
  }
  return lines.join("\n");
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
  // clip mode
  const clipPred: { emotion: Emotion; score: number }[] = clips.map((c) => {
    const audio = memorySpeechAudio(c.samples);
    const [r] = computeEmotion({ audio, turns: [{ speaker: "s", start: 0, end: audio.duration }], speech: [] });
    return { emotion: r!.emotion, score: r!.emotion_score };
  });
  // speaker mode: group by actor (unknown actor = its own group)
  const groups = new Map<string, number[]>();
  clips.forEach((c, i) => {
    const key = c.label.actor !== undefined ? String(c.label.actor) : `clip${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const spkPred: { emotion: Emotion; score: number }[] = new Array(clips.length);
  const gap = new Float32Array(8000);
  for (const [actor, idx] of groups) {
    const total = idx.reduce((s, i) => s + clips[i]!.samples.length + gap.length, 0);
    const buf = new Float32Array(total);
    const turns: Turn[] = [];
    let pos = 0;
    for (const i of idx) {
      buf.set(clips[i]!.samples, pos);
      turns.push({ speaker: actor, start: pos / 16000, end: (pos + clips[i]!.samples.length) / 16000 });
      pos += clips[i]!.samples.length + gap.length;
    }
    const res = computeEmotion({ audio: memorySpeechAudio(buf), turns, speech: [] });
    idx.forEach((ci, k) => (spkPred[ci] = { emotion: res[k]!.emotion, score: res[k]!.emotion_score }));
  }
  const result: EmotionEvalResult = {
    dir,
    labels: EMOTIONS,
    chance: Math.round((1 / new Set(clips.map((c) => c.truth)).size) * 1000) / 1000,
    speaker: summarise(clips.map((c, i) => ({ truth: c.truth, pred: spkPred[i]!.emotion }))),
    clip: summarise(clips.map((c, i) => ({ truth: c.truth, pred: clipPred[i]!.emotion }))),
    predictions: clips.map((c, i) => ({ file: c.label.file, truth: c.truth, speaker_mode: spkPred[i]!.emotion, clip_mode: clipPred[i]!.emotion, score: spkPred[i]!.score })),
  };
  if (print) {
    console.log(`emotion: ${clips.length} clips from ${dir}, ${new Set(clips.map((c) => c.truth)).size} classes (chance ${result.chance})`);
    console.log(`speaker-normalised (clips of one actor = one speaker): accuracy ${result.speaker.accuracy}, high/low arousal ${result.speaker.arousal_accuracy}`);
    console.log(formatConfusion(result.speaker));
    console.log(`per clip (no speaker baseline): accuracy ${result.clip.accuracy}, high/low arousal ${result.clip.arousal_accuracy}`);
    console.log(formatConfusion(result.clip));
  }
  return result;
}
