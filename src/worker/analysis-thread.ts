/**
 * Worker-thread entry: runs the CPU-heavy analysis pipeline off the main event loop, so
 * the API (and BullMQ's lock renewal) stays responsive. Protocol: receives
 * {audio, options}; posts {progress} messages, then {result} or {error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyze } from "../analysis/pipeline.js";
import type { AnalysisOptions } from "../analysis/types.js";

const { audio, options } = workerData as { audio: Uint8Array; options: AnalysisOptions };
try {
  const result = await analyze(Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength), options, (stage, fraction) =>
    parentPort!.postMessage({ progress: { stage, fraction } }),
  );
  parentPort!.postMessage({ result });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  parentPort!.postMessage({ error: { name: e.name, message: e.message } });
}
