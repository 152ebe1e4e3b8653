/**
 * `npm run eval:simulate [-- <ravdess dir>] [--n 3] [--max 6] [--actors 13,14,...] [--seed 9001] [--oracle] [--scramble] [--params '{json}' ...]`: simulated
 * conversations (simulate.ts; calm clips, 1..max speakers, n per count, 30/60 s, wide/tel/far
 * in turn) through the real VAD and diarizer, the default path and the learned-space path
 * (`space: 1`); prints exact-count rate, mean count confidence and pooled DER (collar 0.25)
 * per number of speakers. The committed speaker space was fitted on all 16 actors, so these
 * figures are optimistic for the `space: 1` path; the held-out figures are the ones
 * `npm run train:speaker` prints (space fitted on the other actors).
 */
import { resolve } from "node:path";
import { findTurnsDetailed } from "../analysis/diarization/index.js";
import { detectSpeech16k, REPO_ROOT } from "../analysis/diarization/io.js";
import { CONDITIONS } from "./augment.js";
import { computeDer, pooled, type DerResult } from "./der.js";
import { byActor, isConversational, loadClips, simulateConversation } from "./simulate.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const opt = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  // the folder is the argument that is neither a flag nor a flag's value (--oracle and --scramble take none)
  const valued = new Set(["--n", "--max", "--actors", "--seed", "--params"]);
  const dir = resolve(args.find((a, i) => !a.startsWith("--") && !valued.has(args[i - 1] ?? "")) ?? resolve(REPO_ROOT, "..", "shared", "train", "ravdess"));
  const n = Number(opt("--n") ?? 3);
  const max = Number(opt("--max") ?? 6);
  const actors = opt("--actors")?.split(",").map(Number);
  const seed = Number(opt("--seed") ?? 9001);
  // --oracle: the true number of speakers is given (speakers: N); --scramble: scrambled utterances
  const oracle = args.includes("--oracle");
  const scramble = args.includes("--scramble");
  const clips = (await loadClips(dir, actors)).filter((c) => isConversational(c.file));
  const pool = byActor(clips);
  const paths: { name: string; params: Record<string, number> }[] = [{ name: "default (z-scored statistics)", params: { space: 0 } }, { name: "learned space", params: { space: 1 } }];
  // --params '{...}' (repeatable): further diarizer parameter sets, side by side
  args.forEach((a, i) => { if (a === "--params") paths.push({ name: `--params ${args[i + 1]}`, params: JSON.parse(args[i + 1] ?? "{}") as Record<string, number> }); });
  const rows: { spk: number; path: string; right: number; conf: number; der: DerResult }[] = [];
  for (let spk = 1; spk <= Math.min(max, pool.size); spk++) {
    for (let i = 0; i < n; i++) {
      const conv = simulateConversation(pool, { speakers: spk, seconds: i % 2 ? 60 : 30, condition: CONDITIONS[(i + spk) % 3]!, seed: seed + i, scramble });
      const speech = await detectSpeech16k(conv.samples);
      for (const p of paths) {
        const r = findTurnsDetailed({ channels16k: [conv.samples], speech: [speech], speakers: oracle ? spk : -1, separateSpeakerPerChannel: false }, { params: p.params });
        const k = new Set(r.turns.map((t) => t.speaker)).size;
        rows.push({ spk, path: p.name, right: k === spk ? 1 : 0, conf: r.count?.confidence ?? NaN, der: computeDer(conv.segments, r.turns, { duration: conv.seconds, collar: 0.25 }) });
      }
    }
  }
  for (const p of paths) {
    console.log(`\n${p.name}: speakers | exact count | mean count confidence | DER (collar 0.25, pooled)`);
    const mine = rows.filter((r) => r.path === p.name);
    for (let spk = 1; spk <= Math.min(max, pool.size); spk++) {
      const rs = mine.filter((r) => r.spk === spk);
      console.log(`  ${spk} | ${rs.reduce((a, r) => a + r.right, 0)}/${rs.length} | ${(rs.reduce((a, r) => a + r.conf, 0) / rs.length).toFixed(2)} | ${(100 * pooled(rs.map((r) => r.der)).der).toFixed(1)}%`);
    }
    console.log(`  all | ${mine.reduce((a, r) => a + r.right, 0)}/${mine.length} | ${(mine.reduce((a, r) => a + r.conf, 0) / mine.length).toFixed(2)} | ${(100 * pooled(mine.map((r) => r.der)).der).toFixed(1)}%`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
