/**
 * Local recognizer: Debian's `pocketsphinx` (5prealpha) + `pocketsphinx-en-us`.
 *
 * The audio is written as raw s16le 16 kHz mono to a temporary file (the CLI would read a WAV
 * header as samples) and decoded by `pocketsphinx_continuous -infile FILE -time yes`, which
 * prints one `word start end posterior` line per recognised token. Fillers (<s>, </s>, <sil>,
 * [NOISE], ++X++) are dropped and pronunciation variants `word(2)` normalised to `word`.
 * The child process is killed after the timeout. Expect a rough transcript (STACK.md: ~37 %
 * WER on clean read speech, much worse on 8 kHz calls).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Word } from "../types.js";
import type { Transcriber, TranscribeOptions } from "./index.js";
import { TranscriptionError } from "./errors.js";
import { toS16le } from "./wav.js";

export const POCKETSPHINX_DEFAULTS = {
  binary: "/usr/bin/pocketsphinx_continuous",
  hmm: "/usr/share/pocketsphinx/model/en-us/en-us",
  lm: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin",
  dict: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
};

export interface PocketsphinxPaths {
  binary: string;
  hmm: string;
  lm: string;
  dict: string;
}

/** True when the binary and the en-us model files exist. */
export function pocketsphinxAvailable(paths: PocketsphinxPaths = POCKETSPHINX_DEFAULTS): boolean {
  return existsSync(paths.binary) && existsSync(join(paths.hmm, "mdef")) && existsSync(paths.lm) && existsSync(paths.dict);
}

const LINE = /^(\S+)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*$/;

/** Parse `-time yes` output into words (fillers removed, times + offset). */
export function parsePocketsphinxOutput(stdout: string, offset = 0): Word[] {
  const words: Word[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const token = m[1]!;
    if (/^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/i.test(token)) continue;
    const text = token.replace(/\(\d+\)$/, "");
    words.push({
      text,
      start: Number(m[2]) + offset,
      end: Number(m[3]) + offset,
      confidence: Math.max(0, Math.min(1, Number(m[4]))),
    });
  }
  return words;
}

export class PocketsphinxTranscriber implements Transcriber {
  readonly name = "pocketsphinx";
  private readonly paths: PocketsphinxPaths;
  private readonly timeoutMs: number;

  constructor(options: Partial<PocketsphinxPaths> & { timeoutMs?: number } = {}) {
    this.paths = { ...POCKETSPHINX_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as PocketsphinxPaths;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  async transcribe(audio: Float32Array, options: TranscribeOptions = {}): Promise<Word[]> {
    if (!pocketsphinxAvailable(this.paths)) {
      throw new TranscriptionError(
        `pocketsphinx is not installed (need ${this.paths.binary} and the en-us model under ${this.paths.hmm}; apt-get install pocketsphinx pocketsphinx-en-us)`,
        { provider: this.name },
      );
    }
    if (audio.length < 1600) return []; // < 0.1 s
    const dir = await mkdtemp(join(tmpdir(), "iag-ps-"));
    const file = join(dir, "audio.raw");
    try {
      await writeFile(file, toS16le(audio));
      const stdout = await this.run(file, options.signal);
      return parsePocketsphinxOutput(stdout, options.offset ?? 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(file: string, signal?: AbortSignal): Promise<string> {
    const args = [
      "-infile", file,
      "-time", "yes",
      "-samprate", "16000",
      "-hmm", this.paths.hmm,
      "-lm", this.paths.lm,
      "-dict", this.paths.dict,
      "-logfn", "/dev/null",
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(this.paths.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let settled = false;
      const finish = (e: Error | null, value?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (e) reject(e);
        else resolve(value ?? "");
      };
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        finish(new TranscriptionError(`pocketsphinx timed out after ${this.timeoutMs} ms`, { provider: this.name }));
      }, this.timeoutMs);
      const onAbort = () => {
        child.kill("SIGKILL");
        finish(new TranscriptionError("pocketsphinx aborted", { provider: this.name }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => {
        if (err.reduce((s, b) => s + b.length, 0) < 64 * 1024) err.push(d);
      });
      child.on("error", (e) => finish(new TranscriptionError(`pocketsphinx failed to start: ${e.message}`, { provider: this.name, cause: e })));
      child.on("close", (code, sig) => {
        if (code === 0) finish(null, Buffer.concat(out).toString("utf8"));
        else {
          const tail = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-3).join(" | ");
          finish(new TranscriptionError(`pocketsphinx exited with ${code ?? sig}${tail ? `: ${tail}` : ""}`, { provider: this.name }));
        }
      });
    });
  }
}
