/** Thrown for any audio that cannot be decoded: corrupt, truncated, empty or mismatched data. */
export class AudioDecodeError extends Error {
  override readonly name = "AudioDecodeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Our words for any failure while reading audio: an AudioDecodeError passes through;
 * anything else (a decoder's own exception: "logError is not defined", a TypeError from a
 * header it misread) becomes `message`. The original stays as `cause`, for logs, never for
 * the user.
 */
export function asDecodeError(e: unknown, message: string): AudioDecodeError {
  return e instanceof AudioDecodeError ? e : new AudioDecodeError(message, { cause: e });
}
