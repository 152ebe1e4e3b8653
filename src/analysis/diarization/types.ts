/**
 * The diarizer contract. The classic (MFCC + BIC + GMM/Viterbi) implementation lives in
 * classic.ts; a neural backend (e.g. sherpa-onnx with user-supplied pyannote segmentation and
 * speaker-embedding models) can implement the same interface and be selected in index.ts
 * without touching the rest of the pipeline.
 */
import type { SpeechRegion, Turn } from "../types.js";

export interface DiarizeRequest {
  /** -1: detect the number of speakers; N >= 1: exactly N when there is enough speech. */
  speakers: number;
  /** Speech regions (seconds) found by VAD on this signal. */
  speech: SpeechRegion[];
}

/**
 * A streaming mono diarizer: push 16 kHz mono audio in any chunk sizes, then finish() with
 * the VAD regions. Implementations keep compact per-frame features, never the audio.
 */
/** How sure the speaker count is. */
export interface SpeakerCountInfo {
  /** The number of speakers in the turns. */
  count: number;
  /** P(count right), 0..1: 1 when the count was given, 0.5 when there was too little speech to estimate it. */
  confidence: number;
  /** The next most likely count (absent when the count was given). */
  runnerUp?: number;
  /** How the count was obtained. */
  source: "detected" | "given" | "too-little-speech";
}

export interface DiarizeResult {
  turns: Turn[];
  count: SpeakerCountInfo;
}

export interface DiarizerSession {
  push(chunk16k: Float32Array): void;
  finish(request: DiarizeRequest): Turn[];
  /** Turns plus how sure the speaker count is (optional for other backends). */
  finishDetailed?(request: DiarizeRequest): DiarizeResult;
  /** Approximate bytes held (for the benchmark). */
  readonly bytes?: number;
}

export interface Diarizer {
  readonly name: string;
  createSession(): DiarizerSession;
}
