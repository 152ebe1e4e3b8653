/**
 * Worker-thread entry: runs the CPU-heavy analysis pipeline off the main event loop, so
 * the API (and BullMQ's lock renewal) stays responsive. Protocol: receives
 * {audio, options} (bytes) or {path, options} (a file, read chunk by chunk); posts
 * {progress} messages, then {result} or {error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyzeSource } from "../analysis/pipeline.js";
import type { AnalysisOptions } from "../analysis/types.js";

const { audio, path, options } = workerData as { audio?: Uint8Array; path?: string; options: AnalysisOptions };
try {
  const source = audio ? { data: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength) } : { path: path! };
  const { response: result } = await analyzeSource(source, options, (stage, fraction) => parentPort!.postMessage({ progress: { stage, fraction } }));
  parentPort!.postMessage({ result });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  parentPort!.postMessage({ error: { name: e.name, message: e.message } });
}
