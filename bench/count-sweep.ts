/**
 * `npx tsx bench/count-sweep.ts [n] [--scramble]`: speaker-count rules side by side, on the same window
 * features the diarizer counts with (1.5 s windows, 0.75 s hop, of recording-normalised
 * MFCCs; classic.ts buildMatrix), real VAD.
 *
 * Fit set: simulated conversations (src/eval/simulate.ts, RAVDESS actors 09–24 of
 * ../shared/train; n per number of speakers 1–6, 30/60 s, wide/telephone/far-field in turn).
 * The development clips (../shared/eval/diarization) are printed after, for reporting only:
 * no rule or constant here was chosen on them. The learned space (fitted/speaker-space.json)
 * saw these actors, so its simulated figures are optimistic.
 *
 * Rules (docs/diarization.md, "Count rules tried"):
 *  - stats: z-scored statistics + cosine, average-linkage AHC stopped at θ(W) (the default);
 *  - space: the learned space's LLR, AHC stopped at the fitted threshold (−1.0) (`space: 1`);
 *    space-0.5m2: threshold −0.5 and clusters of ≥ 2 windows;
 *  - nme-*: NME-SC (Park et al. 2019, auto-tuned p-neighbour binarised affinity, eigengap of
 *    the Laplacian) on the statistics cosine or the learned space's cosine;
 *  - sil-*: the tree cut K = 2..6 with the best mean silhouette;
 *  - touch-*: the stopping threshold calibrated per recording on the median similarity of
 *    touching window pairs (mostly one speaker): 0.75·m for statistics (`svAdapt: 0.75`,
 *    `svThreshold: 0`), m − 2 for the space;
 *  - pitch: the statistics embedding with the window's median F0 (z-scored, weight 2) appended;
 *  - bisect: recursive bisection, each node re-z-scored and its split tested by θ(W) again;
 *  - size-a-b: merges refused per pair of clusters, at s(A,B) < −(a + b/√min(|A|,|B|)).
 * `--scramble`: the simulated turns are scrambled utterances (simulate.ts `scramble`), which
 * breaks the RAVDESS sentences' shared content.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildMatrix, countInSpace, countWindows, speechFrames, statsThreshold, touchingSimilarity, windowStatsEmbedding, DEFAULT_PARAMS } from "../src/analysis/diarization/classic.js";
import { ahcAverage, cosineMatrix, cutMerges, symEig } from "../src/analysis/diarization/embed.js";
import { detectSpeech16k, loadAudio16k, REPO_ROOT } from "../src/analysis/diarization/io.js";
import { mfccOf, NUM_CEPS } from "../src/analysis/diarization/mfcc.js";
import { loadSpeakerSpace, windowStats } from "../src/analysis/diarization/speaker-space.js";
import { analyseFrames, hzToSemitones } from "../src/analysis/features/frames.js";
import { CONDITIONS } from "../src/eval/augment.js";
import { byActor, isConversational, loadClips, simulateConversation } from "../src/eval/simulate.js";

const d = NUM_CEPS * 2;
const space = loadSpeakerSpace()!;

/** NME-SC (Park et al. 2019): p-neighbour binarised affinity, unnormalised Laplacian, normalised max eigengap. */
function nmeCount(A: Float64Array, W: number, maxK = 8, pMaxFrac = 0.25): { k: number; p: number; r: number } {
  let best = { k: 1, p: 0, r: Infinity };
  const pMax = Math.max(2, Math.floor(W * pMaxFrac));
  for (let p = 2; p <= pMax; p++) {
    const B = new Float64Array(W * W);
    for (let i = 0; i < W; i++) {
      const row = Array.from({ length: W }, (_, j) => j).filter((j) => j !== i).sort((x, y) => A[i * W + y]! - A[i * W + x]!);
      for (const j of row.slice(0, p)) B[i * W + j] = 1;
    }
    const S = new Float64Array(W * W);
    for (let i = 0; i < W; i++) for (let j = 0; j < W; j++) S[i * W + j] = 0.5 * (B[i * W + j]! + B[j * W + i]!);
    const L = new Float64Array(W * W);
    for (let i = 0; i < W; i++) {
      let deg = 0;
      for (let j = 0; j < W; j++) { deg += S[i * W + j]!; L[i * W + j] = -S[i * W + j]!; }
      L[i * W + i] = deg - S[i * W + i]!; // S has a zero diagonal: L = D − S
    }
    const ev = Array.from(symEig(L, W).values).sort((a, b) => a - b);
    let gap = -Infinity, k = 1;
    for (let c = 0; c < Math.min(maxK, W - 1); c++) {
      const g = ev[c + 1]! - ev[c]!;
      if (g > gap) { gap = g; k = c + 1; }
    }
    const g = gap / (ev[W - 1]! + 1e-10);
    const r = p / W / g;
    if (r < best.r) best = { k, p, r };
  }
  return best;
}

/** K (2..6) maximising the mean silhouette of the average-linkage tree cut at K (similarities → distances 1 − s scaled); bias: needed gain per extra speaker. */
function silCount(Sim: Float64Array, W: number, bias: number): number {
  const tree = ahcAverage(Sim, W, { target: 1 });
  let mx = -Infinity, mn = Infinity;
  for (const v of Sim) { if (v > mx) mx = v; if (v < mn) mn = v; }
  const D = (i: number, j: number) => (mx - Sim[i * W + j]!) / (mx - mn + 1e-9);
  let best = 2, bs = -Infinity;
  for (let K = 2; K <= Math.min(6, W - 1); K++) {
    const lab = cutMerges(W, tree.merges, K);
    let tot = 0;
    for (let i = 0; i < W; i++) {
      const sum = new Float64Array(K), cnt = new Float64Array(K);
      for (let j = 0; j < W; j++) if (j !== i) { sum[lab[j]!] += D(i, j); cnt[lab[j]!]++; }
      const a = cnt[lab[i]!] ? sum[lab[i]!]! / cnt[lab[i]!]! : 0;
      let b = Infinity;
      for (let c = 0; c < K; c++) if (c !== lab[i] && cnt[c]) b = Math.min(b, sum[c]! / cnt[c]!);
      tot += cnt[lab[i]!] ? (b - a) / Math.max(a, b) : 0;
    }
    const sc = tot / W - bias * K;
    if (sc > bs) { bs = sc; best = K; }
  }
  return best;
}

/** Recursive bisection: each node's windows re-z-scored, split accepted by the same θ(W) rule. */
function bisectCount(X: Float32Array, wins: [number, number][], minWin: number, c: number): number {
  const node = (ids: number[]): number => {
    if (ids.length < 2 * minWin) return 1;
    const sub = ids.map((i) => wins[i]!);
    const V = windowStatsEmbedding(X, d, sub, d / 2);
    const C = cosineMatrix(V, ids.length, d);
    const th = statsThreshold(ids.length, { ...DEFAULT_PARAMS, svThreshold: c });
    const res = ahcAverage(C, ids.length, { threshold: th });
    if (res.k < 2) return 1;
    const two = ahcAverage(C, ids.length, { target: 2 }).labels;
    const a = ids.filter((_, j) => two[j] === 0), b = ids.filter((_, j) => two[j] === 1);
    if (a.length < minWin || b.length < minWin) return 1;
    return node(a) + node(b);
  };
  return node(wins.map((_, i) => i));
}

/**
 * Average-linkage AHC that refuses a merge of A and B when s(A,B) < −(a + b/√min(|A|,|B|)): a
 * noise split of one speaker shrinks like 1/√n, two speakers stay apart at any size.
 */
function sizeAwareCount(S: Float64Array, W: number, a: number, b: number): number {
  let cl = Array.from({ length: W }, (_, i) => [i]);
  const avg = (A: number[], B: number[]) => { let t = 0; for (const i of A) for (const j of B) t += S[i * W + j]!; return t / (A.length * B.length); };
  for (;;) {
    let best = -Infinity, bi = -1, bj = -1;
    for (let i = 0; i < cl.length; i++) for (let j = i + 1; j < cl.length; j++) {
      // the pair furthest above its own bound merges first
      const v = avg(cl[i]!, cl[j]!) + a + b / Math.sqrt(Math.min(cl[i]!.length, cl[j]!.length));
      if (v > best) { best = v; bi = i; bj = j; }
    }
    if (bi < 0 || best < 0) break;
    cl[bi] = cl[bi]!.concat(cl[bj]!);
    cl = cl.filter((_, k) => k !== bj);
  }
  return cl.length;
}

interface Rec { name: string; truth: number; X: Float32Array; n: number; f0: Float32Array; idx: Int32Array }

async function recFrom(name: string, samples: Float32Array, truth: number): Promise<Rec | null> {
  const speech = await detectSpeech16k(samples);
  const fs = mfccOf(samples);
  const sf = speechFrames(fs.rows, speech);
  if (sf.idx.length < 1000) return null;
  return { name, truth, X: buildMatrix(fs, sf), n: sf.idx.length, f0: analyseFrames(samples).f0, idx: sf.idx };
}

function rules(r: Rec): Record<string, number> {
  const { wins } = countWindows(r.n, DEFAULT_PARAMS);
  const W = wins.length;
  const V = windowStatsEmbedding(r.X, d, wins, d / 2);
  const C = cosineMatrix(V, W, d);
  const Y = space.project(windowStats(r.X, d, wins, d / 2), W);
  const S = space.llrMatrix(Y, W);
  const out: Record<string, number> = {};
  out.stats = ahcAverage(C, W, { threshold: statsThreshold(W, DEFAULT_PARAMS) }).k;
  out.space = ahcAverage(S, W, { threshold: space.threshold }).k;
  out["space-0.5m2"] = countInSpace(S, W, -0.5, 2, space).k;
  out["nme-stats"] = nmeCount(C, W).k;
  out["nme-space"] = nmeCount(cosineMatrix(new Float32Array(Y), W, Y.length / W), W).k;
  out["sil-stats"] = silCount(C, W, 0);
  out["sil-space"] = silCount(S, W, 0);
  out["touch-stats"] = ahcAverage(C, W, { threshold: 0.75 * touchingSimilarity(C, wins) }).k;
  out["touch-space"] = ahcAverage(S, W, { threshold: touchingSimilarity(S, wins) - 2 }).k;
  out.pitch = pitchCount(r, wins, V, 2);
  out.bisect = bisectCount(r.X, wins, 10, 0.06);
  out["size-0.03-0.1"] = sizeAwareCount(C, W, 0.03, 0.1);
  out["size-0-0.2"] = sizeAwareCount(C, W, 0, 0.2);
  return out;
}

/** The statistics rule with each window's median F0 (semitones, z-scored, × w; 0 where unvoiced) as one more dimension. */
function pitchCount(r: Rec, wins: [number, number][], V: Float32Array, w: number): number {
  const W = wins.length;
  const med = wins.map(([s0, e0]) => {
    const v: number[] = [];
    for (let t = s0; t < e0; t++) { const f = r.f0[r.idx[t]!] ?? 0; if (f > 0) v.push(hzToSemitones(f)); }
    v.sort((a, b) => a - b);
    return v.length >= 15 ? v[v.length >> 1]! : NaN;
  });
  const ok = med.filter((x) => !Number.isNaN(x));
  const mu = ok.reduce((a, b) => a + b, 0) / Math.max(1, ok.length);
  const sd = Math.sqrt(ok.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, ok.length)) || 1;
  const V2 = new Float32Array(W * (d + 1));
  for (let i = 0; i < W; i++) {
    V2.set(V.subarray(i * d, i * d + d), i * (d + 1));
    V2[i * (d + 1) + d] = Number.isNaN(med[i]!) ? 0 : (w * (med[i]! - mu)) / sd;
  }
  return ahcAverage(cosineMatrix(V2, W, d + 1), W, { threshold: statsThreshold(W, DEFAULT_PARAMS) }).k;
}

async function main(): Promise<void> {
  const n = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 6);
  const scramble = process.argv.includes("--scramble");
  const clips = (await loadClips(resolve(REPO_ROOT, "..", "shared", "train", "ravdess"))).filter((c) => isConversational(c.file));
  const pool = byActor(clips);
  const tally: Record<string, Record<number, [number, number]>> = {};
  const add = (rule: string, truth: number, ok: boolean) => {
    const t = (tally[rule] ??= {});
    const c = (t[truth] ??= [0, 0]);
    c[0] += ok ? 1 : 0;
    c[1]++;
  };
  for (let spk = 1; spk <= 6; spk++) {
    for (let i = 0; i < n; i++) {
      const conv = simulateConversation(pool, { speakers: spk, seconds: i % 2 ? 60 : 30, condition: CONDITIONS[(i + spk) % 3]!, seed: 5001 + i, scramble });
      const r = await recFrom(`sim${spk}-${i}`, conv.samples, spk);
      if (!r) continue;
      const k = rules(r);
      for (const [rule, v] of Object.entries(k)) add(rule, spk, v === spk);
      if (process.env.VERBOSE) console.log(r.name, JSON.stringify(k));
    }
  }
  console.log("simulated: rule | exact by true count 1..6 | all");
  for (const [rule, t] of Object.entries(tally)) {
    const all = Object.values(t).reduce((a, c) => [a[0] + c[0], a[1] + c[1]], [0, 0]);
    console.log(`  ${rule.padEnd(12)} ${Object.entries(t).map(([k, c]) => `${k}:${c[0]}/${c[1]}`).join(" ")}  all ${all[0]}/${all[1]}`);
  }
  const dev = join(REPO_ROOT, "..", "shared", "eval", "diarization");
  console.log("dev clips (report only):");
  for (const f of readdirSync(dev).filter((f) => f.endsWith(".wav"))) {
    const truth = (JSON.parse(readFileSync(join(dev, f.replace(/\.wav$/, ".json")), "utf8")) as { stats: { num_speakers: number } }).stats.num_speakers;
    const a = await loadAudio16k(join(dev, f));
    const r = await recFrom(f, a.channels[0]!, truth);
    console.log(`  ${f} truth ${truth} ${r ? JSON.stringify(rules(r)) : "too little speech"}`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
