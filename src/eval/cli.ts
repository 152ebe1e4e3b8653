/**
 * `npm run eval -- <dataset-dir> [--oracle-count] [--space | --compare]`
 *
 * Dispatches on the folder's layout: labels.json → emotion evaluation, transcripts.json →
 * ASR evaluation, otherwise audio + JSON ground truth → diarization evaluation (this file's
 * own figures: DER with/without collar, speaker count, talk time, overlap and interruption
 * precision/recall). When a ground-truth JSON also has a time-stamped `transcript`, the
 * question-detection evaluation (asr.ts runQuestionEval) runs on the folder too and its result
 * is added to the JSON as `questions`. Results are printed and written to eval-results/<name>.json.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { printComparison, printSummary, runDiarizationEval, writeResults } from "./diarization.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const dir = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--params");
  if (!dir) {
    console.error("usage: npm run eval -- <dataset-dir> [--oracle-count]");
    process.exit(2);
  }
  const abs = resolve(dir);
  if (!existsSync(abs)) {
    console.error(`no such folder: ${abs}`);
    process.exit(2);
  }
  if (existsSync(join(abs, "labels.json"))) {
    const mod = "./emotion.js";
    await ((await import(mod)) as { runEmotionEval: (d: string) => Promise<unknown> }).runEmotionEval(abs);
    return;
  }
  if (existsSync(join(abs, "transcripts.json"))) {
    const mod = "./asr.js";
    await ((await import(mod)) as { runAsrEval: (d: string) => Promise<unknown> }).runAsrEval(abs);
    return;
  }
  const oracle = args.includes("--oracle-count");
  // --space: count and partition in the learned speaker space (fitted/speaker-space.json);
  // --compare: the default path and the learned-space path side by side
  const space = args.includes("--space");
  // --params '{"svAdapt":0.75}': diarizer parameters (ClassicParams) for sweeps
  const pi = args.indexOf("--params");
  const extra = pi >= 0 ? (JSON.parse(args[pi + 1] ?? "{}") as Record<string, number>) : {};
  if (args.includes("--compare")) {
    const cache = new Map();
    const a = await runDiarizationEval(abs, { oracleCount: oracle, quiet: true, speechCache: cache, params: { space: 0 } });
    const b = await runDiarizationEval(abs, { oracleCount: oracle, quiet: true, speechCache: cache, params: pi >= 0 ? extra : { space: 1 } });
    printComparison(a, b, "z-scored statistics (default)", pi >= 0 ? `--params ${JSON.stringify(extra)}` : "learned space (--space)");
    return;
  }
  const s = await runDiarizationEval(abs, { oracleCount: oracle, params: { ...(space ? { space: 1 } : {}), ...extra } });
  printSummary(s);
  if (hasTranscript(abs)) {
    // question detection against the time-stamped reference transcripts (src/eval/asr.ts)
    console.log("");
    const mod = "./asr.js";
    const q = await ((await import(mod)) as { runQuestionEval: (d: string) => Promise<unknown> }).runQuestionEval(abs);
    s.questions = q;
  }
  const out = writeResults(basename(abs) + (oracle ? "-oracle-count" : "") + (space ? "-space" : ""), s);
  console.log(`wrote ${out}`);
}

/** True when some ground-truth JSON in the folder carries a `transcript` array. */
function hasTranscript(dir: string): boolean {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .some((f) => {
      try {
        return Array.isArray((JSON.parse(readFileSync(join(dir, f), "utf8")) as { transcript?: unknown }).transcript);
      } catch {
        return false;
      }
    });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
