/**
 * `npx tsx src/eval/affect-eval.ts [eval-root]` — the affect/transcription evaluations on a folder
 * laid out like ../shared/eval: emotion/ (labels.json), asr/ (transcripts.json) and the
 * question check on diarization/ (JSON with a time-stamped transcript). Writes the JSON results
 * to eval-results/affect.json. (`npm run eval -- <folder>` runs the same per folder.)
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runEmotionEval } from "./emotion.js";
import { runAsrEval, runQuestionEval } from "./asr.js";

const root = resolve(process.argv.slice(2).find((a) => a !== "--") ?? new URL("../../../shared/eval", import.meta.url).pathname);
const out: Record<string, unknown> = { root };
if (existsSync(join(root, "emotion", "labels.json"))) out.emotion = await runEmotionEval(join(root, "emotion"));
else console.log(`no ${join(root, "emotion", "labels.json")}: emotion evaluation skipped`);
if (existsSync(join(root, "asr", "transcripts.json"))) out.asr = await runAsrEval(join(root, "asr"));
else console.log(`no ${join(root, "asr", "transcripts.json")}: ASR evaluation skipped`);
if (existsSync(join(root, "diarization"))) out.questions = await runQuestionEval(join(root, "diarization"));
mkdirSync("eval-results", { recursive: true });
writeFileSync("eval-results/affect.json", JSON.stringify(out, null, 1));
console.log("wrote eval-results/affect.json");
