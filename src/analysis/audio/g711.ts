/**
 * G.711 µ-law and A-law expansion by table lookup (ITU-T G.711). Each table maps one
 * encoded byte to a float sample in [-1, 1) (16-bit linear value / 32768).
 */

function buildMulaw(): Float32Array {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    let s = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if (sign) s = -s;
    t[i] = s / 32768;
  }
  return t;
}

function buildAlaw(): Float32Array {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    const a = i ^ 0x55;
    const sign = a & 0x80;
    const exponent = (a >> 4) & 0x07;
    const mantissa = a & 0x0f;
    let s = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    // A-law: sign bit set means positive
    if (!sign) s = -s;
    t[i] = s / 32768;
  }
  return t;
}

export const MULAW_TABLE: Float32Array = buildMulaw();
export const ALAW_TABLE: Float32Array = buildAlaw();

/**
 * Expand interleaved G.711 bytes into one Float32Array per channel.
 * `bytes` must hold a whole number of frames (channels bytes each).
 */
export function expandG711(bytes: Uint8Array, channels: number, table: Float32Array): Float32Array[] {
  const frames = Math.floor(bytes.length / channels);
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames));
  if (channels === 1) {
    const o = out[0]!;
    for (let i = 0; i < frames; i++) o[i] = table[bytes[i]!]!;
  } else {
    for (let c = 0; c < channels; c++) {
      const o = out[c]!;
      for (let i = 0, j = c; i < frames; i++, j += channels) o[i] = table[bytes[j]!]!;
    }
  }
  return out;
}
