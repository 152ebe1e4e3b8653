import { espeak, espeakAvailable, memorySpeechAudio, type EspeakOptions } from "../../src/analysis/features/audio-io.js";

/** espeak-ng generates the test speech; without it those tests skip and say so. */
export const ESPEAK = espeakAvailable();
if (!ESPEAK) console.warn("espeak-ng not found: tests on synthesised speech are skipped (apt-get install espeak-ng)");
import type { MetricInput, Turn } from "../../src/analysis/types.js";

/** Concatenate espeak utterances (with 0.6 s gaps) into one recording with one turn each. */
export async function synthConversation(parts: { speaker: string; text: string; opts?: EspeakOptions }[], gap = 0.6): Promise<MetricInput> {
  const chunks: Float32Array[] = [];
  for (const p of parts) chunks.push(await espeak(p.text, p.opts));
  const gapN = Math.round(gap * 16000);
  const total = chunks.reduce((s, c) => s + c.length + gapN, gapN);
  const buf = new Float32Array(total);
  const turns: Turn[] = [];
  let pos = gapN;
  chunks.forEach((c, i) => {
    buf.set(c, pos);
    turns.push({ speaker: parts[i]!.speaker, start: pos / 16000, end: (pos + c.length) / 16000 });
    pos += c.length + gapN;
  });
  return { audio: memorySpeechAudio(buf), turns, speech: turns.map((t) => ({ start: t.start, end: t.end })) };
}
