import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { AudioSource } from "../analysis/pipeline.js";
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

// Running from TypeScript sources (tests, `npm run dev`), the thread must register tsx's
// loader before importing the .ts entry; compiled builds load the .js entry directly.
const fromSource = import.meta.url.endsWith(".ts");
const threadUrl = new URL(`./analysis-thread.${fromSource ? "ts" : "js"}`, import.meta.url);

function spawnThread(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!fromSource) return new Worker(threadUrl, options);
  // the ESM entry of tsx/esm/api, read from tsx's export map (require.resolve gives the CJS one)
  const pkgJson = createRequire(import.meta.url).resolve("tsx/package.json");
  const entry = JSON.parse(readFileSync(pkgJson, "utf8")).exports["./esm/api"].import.default as string;
  const tsxApi = pathToFileURL(join(dirname(pkgJson), entry)).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(threadUrl.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Runs the pipeline in a worker thread; memory-capped so runaway input kills the thread, not
 * the process. A file source is read by the thread chunk by chunk (WAV/raw), as the CLI does.
 */
export function runAnalysisInThread(audio: Buffer | AudioSource, options: AnalysisOptions, onProgress?: ProgressReporter): Promise<DeepAffectsResponse> {
  return new Promise((resolve, reject) => {
    const source = Buffer.isBuffer(audio) ? { data: audio } : audio;
    const copy = "data" in source ? new Uint8Array(source.data) : undefined; // a private copy we can transfer
    const worker = spawnThread({
      workerData: copy ? { audio: copy, options } : { path: (source as { path: string }).path, options },
      transferList: copy ? [copy.buffer] : [],
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
