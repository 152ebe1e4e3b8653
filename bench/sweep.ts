/** Parameter exploration on a dataset (development aid): `tsx bench/sweep.ts <dir> '<json list of param overrides>' [--oracle-count]`. */
import { runDiarizationEval } from "../src/eval/diarization.js";
import type { SpeechRegion } from "../src/analysis/types.js";

const dir = process.argv[2]!;
const sets = JSON.parse(process.argv[3] ?? "[{}]") as Record<string, number>[];
const oracle = process.argv.includes("--oracle-count");
const cache = new Map<string, SpeechRegion[][]>();
for (const p of sets) {
  const s = await runDiarizationEval(dir, { params: p, speechCache: cache, quiet: true, oracleCount: oracle });
  const per = s.files.map((f) => `${f.file.replace(".wav", "").replace("ami_", "")}:${(100 * f.derCollar.der).toFixed(0)}/${f.speakersDetected}${f.speakersTrue}`).join(" ");
  console.log(`${JSON.stringify(p)} pooled ${(100 * s.pooled.der.der).toFixed(1)} collar ${(100 * s.pooled.derCollar.der).toFixed(1)} cnt ${s.pooled.speakerCountExact}/${s.pooled.speakerCountFiles} | ${per}`);
}
