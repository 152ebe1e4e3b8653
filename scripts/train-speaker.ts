/**
 * `npm run train:speaker [-- <ravdess dir>]` (default ../shared/train/ravdess): fits the
 * diarizer's speaker space and count rule (src/eval/speaker-train.ts describes the steps) and
 * writes fitted/speaker-space.json. Deterministic: seeded, no clock; rerunning on the same data
 * rebuilds the file byte for byte. Prints the leave-actors-out checks.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../src/analysis/diarization/io.js";
import { SpeakerSpace, type SpeakerSpaceFile } from "../src/analysis/diarization/speaker-space.js";
import { fitSpeakerSpace } from "../src/analysis/diarization/speaker-fit.js";
import { byActor, clipFeatures, isConversational, crossValidate, dataFingerprint, fitCountRule, fitStatsConfidence, loadClips, pseudoRecordings, simCases, type SimCase } from "../src/eval/speaker-train.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const dir = resolve(args.find((a) => !a.startsWith("--")) ?? join(REPO_ROOT, "..", "shared", "train", "ravdess"));
  const quick = args.includes("--quick");
  const t0 = performance.now();
  const clips = await loadClips(dir);
  const actors = [...new Set(clips.map((c) => c.actor))].sort((a, b) => a - b);
  console.log(`${clips.length} clips, ${actors.length} actors (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const bank = clipFeatures(clips);
  console.log(`features under 3 conditions (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // 1. leave-4-actors-out check; choose shrinkage and dimension
  const grid = quick ? [[0.2, 12]] : [0.05, 0.2, 0.5].flatMap((s) => [8, 12, 15].map((d) => [s, d]));
  const cv = grid.map(([s, d]) => crossValidate(bank, actors, s!, d!));
  console.log("leave-4-actors-out (4 folds), EER of same/different-speaker 1.5 s window pairs within a recording:");
  for (const r of cv) console.log(`  shrinkage ${r.shrinkage} dim ${String(r.dim).padStart(2)}: EER ${(100 * r.eer).toFixed(1)}% (wide ${(100 * r.eerByCondition.wide!).toFixed(1)} tel ${(100 * r.eerByCondition.tel!).toFixed(1)} far ${(100 * r.eerByCondition.far!).toFixed(1)}), mean LLR same ${r.meanLlrSame} diff ${r.meanLlrDiff}; previous z-scored statistics + cosine: EER ${(100 * r.baselineEer).toFixed(1)}%`);
  const best = cv.reduce((a, b) => (b.eer < a.eer - 1e-9 ? b : a));
  console.log(`chosen: shrinkage ${best.shrinkage}, dim ${best.dim}`);

  // 2. count rule on simulated conversations, 2 folds of 8 actors (space fitted on the other half)
  const halves = [actors.filter((a) => [9, 10, 11, 12, 17, 18, 19, 20].includes(a)), actors.filter((a) => ![9, 10, 11, 12, 17, 18, 19, 20].includes(a))];
  // conversational speech is mostly calm: the simulated conversations draw normal-intensity
  // neutral / calm / happy / sad clips (the space itself is fitted on all emotions)
  const pools = byActor(clips.filter((c) => isConversational(c.file)));
  const cases: SimCase[] = [];
  const perCount = quick ? 3 : 8;
  halves.forEach((test, f) => {
    const train = halves[1 - f]!;
    const sp = new SpeakerSpace({ ...fitSpeakerSpace(pseudoRecordings(bank, train, 60, 211 + f), { shrinkage: best.shrinkage, dim: best.dim }), header: {} as SpeakerSpaceFile["header"], threshold: 0, minClusterWindows: 1, confidence: { a: 0, b: 1 } });
    const pool = new Map([...pools].filter(([a]) => test.includes(a)));
    cases.push(...simCases(sp, pool, perCount, 5000 + 1000 * f));
  });
  const rule = fitCountRule(cases);
  const stats = fitStatsConfidence(cases);
  console.log(`previous z-scored statistics count rule on the same conversations: exact ${(100 * stats.accuracy).toFixed(1)}% (by speakers ${JSON.stringify(stats.accuracyBySpeakers)}); confidence σ(${stats.confidence.a} + ${stats.confidence.b}·margin): mean ${stats.meanConfidenceRight} where right, ${stats.meanConfidenceWrong} where wrong`);
  console.log(`count rule on ${rule.cases} simulated conversations with held-out actors (1–6 speakers, 30/60 s, wide/tel/far): threshold ${rule.threshold}, min cluster ${rule.minClusterWindows} windows, exact count ${(100 * rule.accuracy).toFixed(1)}% (by speakers ${JSON.stringify(rule.accuracyBySpeakers)}); confidence σ(${rule.confidence.a} + ${rule.confidence.b}·margin): mean ${rule.meanConfidenceRight} where right, ${rule.meanConfidenceWrong} where wrong`);

  // 3. the committed space: all actors
  const body = fitSpeakerSpace(pseudoRecordings(bank, actors, 80, 7), { shrinkage: best.shrinkage, dim: best.dim });
  const file: SpeakerSpaceFile = {
    header: {
      name: "speaker-space",
      description: "Speaker-discriminative projection of 1.5 s MFCC window statistics (shrinkage LDA + WCCN, two-covariance LLR on window differences) and the diarizer's count rule; src/analysis/diarization/speaker-space.ts",
      data: `RAVDESS speech, actors ${actors[0]}-${actors[actors.length - 1]} (${clips.length} clips, ${actors.length} speakers), Livingstone & Russo 2018, Zenodo record 1188976; augmented with telephone band and far-field reverb + noise (src/eval/augment.ts); data fingerprint ${dataFingerprint(dir)}`,
      date: "2026-12-01",
      licence: "Fitted on RAVDESS, CC BY-NC-SA 4.0 (attribution, non-commercial, share alike): refit on data you may use for commercial use (npm run train:speaker -- <dir>)",
      feature: "per window of 150 speech frames (1.5 s, 10 ms hop): mean and std of MFCC c0..c19 after per-recording mean/variance normalisation (classic.ts buildMatrix + speaker-space.ts windowStats)",
      trainCommand: "npm run train:speaker",
      crossValidation: { leave4ActorsOut: cv, chosen: { shrinkage: best.shrinkage, dim: best.dim } },
      countRule: rule,
      statsCountRule: stats,
    },
    ...body,
    threshold: rule.threshold,
    minClusterWindows: rule.minClusterWindows,
    confidence: rule.confidence,
    statsConfidence: stats.confidence,
  };
  const out = join(REPO_ROOT, "fitted", "speaker-space.json");
  writeFileSync(out, JSON.stringify(file, null, 1) + "\n");
  console.log(`wrote ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
