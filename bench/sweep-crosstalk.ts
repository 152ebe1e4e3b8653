/**
 * Cross-talk stage ablations on stereo folders (development aid):
 *   `tsx bench/sweep-crosstalk.ts <dir> [<dir>...] ['<json list of CrosstalkParams overrides>']`
 * Prints pooled DER (no collar / 0.25 s collar) per variant, and per file with the collar.
 * `false` in the list = the stage off. Default list: the variants in docs/diarization.md.
 */
import { existsSync } from "node:fs";
import type { CrosstalkParams } from "../src/analysis/diarization/index.js";
import type { SpeechRegion } from "../src/analysis/types.js";
import { runDiarizationEval } from "../src/eval/diarization.js";
import { pooled } from "../src/eval/der.js";

const args = process.argv.slice(2);
const dirs = args.filter((a) => existsSync(a));
const list = args.find((a) => a.startsWith("["));
const variants = (list ? JSON.parse(list) : [
      false,
      {},
      { fixedGainDb: -15 },
      { fixedGainDb: -20 },
      { maxLagFrames: 0 },
      { holdDecayDb: 1 },
      { holdDecayDb: 1e9 },
      { nearRangeDb: 1e9, commonCorrelation: 2 },
      { nearRangeDb: 1e9 },
      { commonCorrelation: 2 },
      { nearRangeDb: 15 },
      { nearRangeDb: 20 },
      { minMarginDb: 3 },
      { minMarginDb: 9 },
    ]) as (false | Partial<CrosstalkParams>)[];
const cache = new Map<string, SpeechRegion[][]>();
for (const v of variants) {
  const files = [];
  for (const d of dirs) files.push(...(await runDiarizationEval(d, { crosstalk: v, speechCache: cache, quiet: true })).files);
  const pd = pooled(files.map((f) => f.der)), pc = pooled(files.map((f) => f.derCollar));
  const per = files.map((f) => `${f.file.replace(/\.wav$/, "")}:${(100 * f.derCollar.der).toFixed(1)}`).join(" ");
  console.log(`${JSON.stringify(v).padEnd(24)} DER ${(100 * pd.der).toFixed(1)}% collar ${(100 * pc.der).toFixed(1)}% | ${per}`);
}
