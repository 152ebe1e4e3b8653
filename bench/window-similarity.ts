/**
 * `npx tsx bench/window-similarity.ts [--scramble]`: how alike one speaker's count windows are, in simulated
 * conversations vs real recordings. Per recording: the median cosine of touching 1.5 s
 * windows (z-scored statistics, as the count uses), and the mean cosine of non-overlapping
 * window pairs ≥ 2.25 s apart of the same / different reference speakers. It showed why count
 * rules fitted on the RAVDESS simulations do not transfer (docs/diarization.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildMatrix, countWindows, DEFAULT_PARAMS, speechFrames, touchingSimilarity, windowStatsEmbedding } from "../src/analysis/diarization/classic.js";
import { cosineMatrix } from "../src/analysis/diarization/embed.js";
import { detectSpeech16k, loadAudio16k, REPO_ROOT } from "../src/analysis/diarization/io.js";
import { mfccOf } from "../src/analysis/diarization/mfcc.js";
import { CONDITIONS } from "../src/eval/augment.js";
import { byActor, isConversational, loadClips, simulateConversation } from "../src/eval/simulate.js";
const d = 40;
async function stat(x: Float32Array, segs?: { speaker: string; start: number; end: number }[]) {
  const speech = await detectSpeech16k(x);
  const fs = mfccOf(x); const sf = speechFrames(fs.rows, speech);
  if (sf.idx.length < 1000) return "-";
  const X = buildMatrix(fs, sf); const w = countWindows(sf.idx.length, DEFAULT_PARAMS).wins; const W = w.length;
  const C = cosineMatrix(windowStatsEmbedding(X, d, w, 20), W, d);
  // same / different speaker mean similarity by reference majority label of each window
  let ss = 0, sn = 0, ds = 0, dn = 0;
  if (segs) {
    const lab = w.map(([a, b]) => { const t = sf.idx[(a + b) >> 1]! / 100; return segs.find((s) => s.start <= t && s.end > t)?.speaker ?? "?"; });
    for (let i = 0; i < W; i++) for (let j = i + 3; j < W; j++) { if (lab[i] === "?" || lab[j] === "?") continue; if (lab[i] === lab[j]) { ss += C[i * W + j]!; sn++; } else { ds += C[i * W + j]!; dn++; } }
  }
  return `W ${W} touch ${touchingSimilarity(C, w).toFixed(2)} same ${(ss / sn).toFixed(2)} diff ${(ds / dn).toFixed(2)}`;
}
const pool = byActor((await loadClips(resolve(REPO_ROOT, "..", "shared", "train", "ravdess"))).filter((c) => isConversational(c.file)));
for (const spk of [2, 3]) for (let i = 0; i < 4; i++) {
  const c = simulateConversation(pool, { speakers: spk, seconds: 30, condition: CONDITIONS[(i + spk) % 3]!, seed: 77 + i, scramble: process.argv.includes("--scramble") });
  console.log(`sim${spk} ${c.condition}`, await stat(c.samples, c.segments));
}
for (const dir of [join(REPO_ROOT, "..", "shared", "eval", "diarization"), "eval-data/mono-calls"]) for (const f of readdirSync(dir).filter((x) => x.endsWith(".wav"))) {
  const a = await loadAudio16k(join(dir, f));
  console.log(f, await stat(a.channels[0]!, JSON.parse(readFileSync(join(dir, f.replace(".wav", ".json")), "utf8")).segments));
}
