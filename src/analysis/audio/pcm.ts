/**
 * Interleaved little-endian PCM bytes → one Float32Array per channel, without per-sample
 * allocation. Supported sample formats: signed 16/24/32-bit integer, unsigned 8-bit,
 * 32/64-bit IEEE float.
 */

export type PcmFormat = "s8u" | "s16" | "s24" | "s32" | "f32" | "f64";

export function bytesPerSample(f: PcmFormat): number {
  switch (f) {
    case "s8u":
      return 1;
    case "s16":
      return 2;
    case "s24":
      return 3;
    case "s32":
    case "f32":
      return 4;
    case "f64":
      return 8;
  }
}

/** A view of `bytes` typed as T when aligned, else a copy into fresh aligned memory. */
function aligned(bytes: Uint8Array, elemSize: number, length: number): ArrayBuffer | SharedArrayBuffer {
  if (bytes.byteOffset % elemSize === 0) return bytes.buffer;
  const copy = new Uint8Array(length * elemSize);
  copy.set(bytes.subarray(0, length * elemSize));
  return copy.buffer;
}

export function deinterleavePcm(bytes: Uint8Array, channels: number, format: PcmFormat): Float32Array[] {
  const bps = bytesPerSample(format);
  const frames = Math.floor(bytes.length / (bps * channels));
  const n = frames * channels;
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames));

  switch (format) {
    case "s16": {
      const buf = aligned(bytes, 2, n);
      const src = new Int16Array(buf, buf === bytes.buffer ? bytes.byteOffset : 0, n);
      const k = 1 / 32768;
      if (channels === 1) {
        const o = out[0]!;
        for (let i = 0; i < frames; i++) o[i] = src[i]! * k;
      } else {
        for (let c = 0; c < channels; c++) {
          const o = out[c]!;
          for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = src[j]! * k;
        }
      }
      break;
    }
    case "s32": {
      const buf = aligned(bytes, 4, n);
      const src = new Int32Array(buf, buf === bytes.buffer ? bytes.byteOffset : 0, n);
      const k = 1 / 2147483648;
      for (let c = 0; c < channels; c++) {
        const o = out[c]!;
        for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = src[j]! * k;
      }
      break;
    }
    case "f32": {
      const buf = aligned(bytes, 4, n);
      const src = new Float32Array(buf, buf === bytes.buffer ? bytes.byteOffset : 0, n);
      for (let c = 0; c < channels; c++) {
        const o = out[c]!;
        for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = src[j]!;
      }
      break;
    }
    case "f64": {
      const buf = aligned(bytes, 8, n);
      const src = new Float64Array(buf, buf === bytes.buffer ? bytes.byteOffset : 0, n);
      for (let c = 0; c < channels; c++) {
        const o = out[c]!;
        for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = src[j]!;
      }
      break;
    }
    case "s24": {
      const k = 1 / 8388608;
      for (let c = 0; c < channels; c++) {
        const o = out[c]!;
        for (let i = 0, p = c * 3; i < frames; i++, p += 3 * channels) {
          const v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
          o[i] = ((v << 8) >> 8) * k;
        }
      }
      break;
    }
    case "s8u": {
      for (let c = 0; c < channels; c++) {
        const o = out[c]!;
        for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = (bytes[j]! - 128) / 128;
      }
      break;
    }
  }
  return out;
}
