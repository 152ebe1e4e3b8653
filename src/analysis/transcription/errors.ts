/** A transcription provider failed; `message` says which and why (safe to show in the job's error). */
export class TranscriptionError extends Error {
  readonly provider: string;
  constructor(message: string, options: { provider?: string; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "TranscriptionError";
    this.provider = options.provider ?? "config";
  }
}
