import { readFileSync } from "node:fs";
import type { AudioStream } from "../../src/analysis/audio/stream.js";
import type { AudioEncoding } from "../../src/analysis/types.js";

export const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
export const fixtureBase64 = (name: string) => readFileSync(fixture(name)).toString("base64");
export const fixtureJson = <T = unknown>(name: string): T => JSON.parse(readFileSync(fixture(name), "utf8"));

/** One entry of test/fixtures/speech-fixtures.json: the same utterance in every encoding. */
export interface SpeechFixture {
  file: string;
  encoding: AudioEncoding;
  sampleRate: number;
  channels: number;
  duration: number;
}
export const speechFixtures = (): SpeechFixture[] => fixtureJson<{ files: SpeechFixture[] }>("speech-fixtures.json").files;

/** Every chunk of an audio stream, in order. */
export async function collectChunks(s: AudioStream, seconds?: number): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for await (const c of s.chunks(seconds)) out.push(c);
  return out;
}
