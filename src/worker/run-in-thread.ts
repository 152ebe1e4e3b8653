import { Worker } from "node:worker_threads";
import type { AnalysisOptions, DeepAffectsResponse, ProgressReporter } from "../analysis/types.js";

/** An analysis that ended with an error raised by the pipeline (bad audio, failing step). */
export class AnalysisFailure extends Error {
  constructor(
    public readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = "AnalysisFailure";
  }
}

// Running from TypeScript sources (tests, `npm run dev`), the thread needs tsx's loader.
const fromSource = import.meta.url.endsWith(".ts");
const threadUrl = new URL(`./analysis-thread.${fromSource ? "ts" : "js"}`, import.meta.url);

/** Runs the pipeline in a worker thread; memory-capped so runaway input kills the thread, not the process. */
export function runAnalysisInThread(audio: Buffer, options: AnalysisOptions, onProgress?: ProgressReporter): Promise<DeepAffectsResponse> {
  return new Promise((resolve, reject) => {
    const copy = new Uint8Array(audio); // a private copy we can transfer
    const worker = new Worker(threadUrl, {
      workerData: { audio: copy, options },
      transferList: [copy.buffer],
      execArgv: fromSource ? ["--import", "tsx"] : [],
      resourceLimits: { maxOldGenerationSizeMb: 3072 },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on("message", (msg: { progress?: { stage: string; fraction: number }; result?: DeepAffectsResponse; error?: { name: string; message: string } }) => {
      if (msg.progress) onProgress?.(msg.progress.stage, msg.progress.fraction);
      else if (msg.result) finish(() => resolve(msg.result!));
      else if (msg.error) finish(() => reject(new AnalysisFailure(msg.error!.name, msg.error!.message)));
    });
    worker.on("error", (err) => finish(() => reject(new AnalysisFailure("ThreadError", err.message))));
    worker.on("exit", (code) => finish(() => reject(new AnalysisFailure("ThreadExit", `analysis thread exited with code ${code}`))));
  });
}
