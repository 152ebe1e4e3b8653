/** Thrown for any audio that cannot be decoded: corrupt, truncated, empty or mismatched data. */
export class AudioDecodeError extends Error {
  override readonly name = "AudioDecodeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
