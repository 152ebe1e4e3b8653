/** Float32 [-1, 1] samples to signed 16-bit little-endian PCM (clipped). */
export function toS16le(samples: Float32Array): Buffer {
  const buf = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]!));
    buf.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), i * 2);
  }
  return buf;
}

/** The 44-byte header of a 16-bit PCM WAV file whose data chunk holds `dataBytes` bytes. */
export function pcm16WavHeader(dataBytes: number, sampleRate: number, channels = 1): Buffer {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2 * channels, 28);
  h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** A 16-bit PCM mono WAV file (44-byte header) of the samples. */
export function encodeWav16(samples: Float32Array, sampleRate = 16000): Buffer {
  const pcm = toS16le(samples);
  return Buffer.concat([pcm16WavHeader(pcm.length, sampleRate), pcm]);
}
