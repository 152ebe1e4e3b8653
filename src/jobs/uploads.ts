/**
 * What both upload stores share: counting, hashing and sniffing the bytes as they stream
 * past (nothing is held but the first few KiB), and the error for a body over the limit.
 */
import { createHash } from "node:crypto";
import { sniffContainer } from "../analysis/audio/containers.js";
import { ErrorCode, UserInputError } from "../errors/codes.js";

const HEAD_BYTES = 4096;

export const uploadTooLarge = (maxBytes: number) =>
  new UserInputError(`body: the upload is larger than the limit of ${maxBytes} bytes (MAX_UPLOAD_BYTES)`, "body", ErrorCode.PAYLOAD_TOO_LARGE);

export class UploadSink {
  bytes = 0;
  private hash = createHash("sha256");
  private head: Buffer[] = [];
  private headBytes = 0;

  add(chunk: Uint8Array) {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes < HEAD_BYTES) {
      this.head.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headBytes)));
      this.headBytes += Math.min(chunk.length, HEAD_BYTES - this.headBytes);
    }
  }

  assertNotEmpty() {
    if (this.bytes === 0) throw new UserInputError("body: the upload is empty; send the audio file as the request body", "body");
  }

  sha256() {
    return this.hash.digest("hex");
  }

  /** The container recognised from the first bytes ("wav", "flac", "mp3", "ogg-opus", ...; "unknown" for raw PCM). */
  format() {
    return sniffContainer(Buffer.concat(this.head));
  }
}
