/**
 * Types shared by every stage of the audio analysis pipeline.
 *
 * The pipeline is a list of stages (see pipeline.ts); each stage is a pure function from a
 * typed input to a typed output. Times are seconds from the start of the recording.
 */

/** Encodings accepted on input (GraphQL enum AudioEncoding, REST `encoding`). */
export const AUDIO_ENCODINGS = ["WAV", "FLAC", "MP3", "OGG_OPUS", "OGG_VORBIS", "LINEAR16", "MULAW", "ALAW"] as const;
export type AudioEncoding = (typeof AUDIO_ENCODINGS)[number];

/** Metrics a request can ask for (DeepAffects names). `ALL` is expanded before the pipeline runs. */
export const METRIC_NAMES = [
  "emotion",
  "energy",
  "interruptions",
  "pace",
  "questions_asked",
  "tone",
  "talk_to_listen_ratio",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** What the caller asked for, already validated. */
export interface AnalysisOptions {
  encoding: AudioEncoding;
  /** Declared sample rate; authoritative for raw LINEAR16/MULAW/ALAW, a hint for containers. */
  sampleRate: number;
  languageCode: string;
  metrics: MetricName[];
  /** -1: detect the number of speakers; N >= 1: exactly N. */
  speakers: number;
  /** Stereo call with one speaker per channel. */
  separateSpeakerPerChannel: boolean;
}

/** Decoded PCM, one Float32Array per channel, samples in [-1, 1]. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  /** Seconds. */
  duration: number;
}

/** A stretch of speech found by voice activity detection. */
export interface SpeechRegion {
  start: number;
  end: number;
}

/** One speaker's turn. Turns of different speakers may overlap in time. */
export interface Turn {
  speaker: string;
  start: number;
  end: number;
  /**
   * 0..1: how sure the diarizer is that this turn is this speaker's (mono diarization: mean
   * posterior of the assigned speaker under the resegmentation GMMs over the turn's frames;
   * 1 with one speaker). Absent when not estimated (one speaker per channel).
   */
  speakerConfidence?: number;
}

/** A word from a transcriber. */
export interface Word {
  text: string;
  start: number;
  end: number;
  confidence?: number;
}

/** An interruption: `speaker` started while `interrupted` was mid-turn and `interrupted` then stopped. */
export interface InterruptionEvent {
  start: number;
  end: number;
  speaker: string;
  interrupted: string;
}

/** Reports progress of the stage currently running: fraction in [0, 1]. */
export type ProgressReporter = (stage: string, fraction: number) => void;

/** The DeepAffects Interaction Analytics response (snake_case, as the REST contract sends it). */
export interface DeepAffectsSegment {
  speaker_id: string;
  start: number;
  end: number;
  /** Our extension: 0..1, how sure the diarizer is that this segment is this speaker's (Turn.speakerConfidence). */
  speaker_confidence?: number;
  text?: string;
  confidence?: number;
  emotion?: string;
  emotion_score?: number;
  /** Our extension: the whole emotion distribution (DeepAffects labels, sums to 1). */
  emotions?: { label: string; score: number }[];
}
export interface SpeakerValueEntry {
  speaker_id: string;
  value: string | number;
}
export interface DeepAffectsResponse {
  num_speakers: number;
  /** Our extension: 0..1, estimated probability that num_speakers is right (1 when given or one speaker per channel). */
  num_speakers_confidence?: number;
  /** Our extension: the next most likely speaker count (absent when the count was given). */
  num_speakers_runner_up?: number;
  total_speech_duration: number;
  segments: DeepAffectsSegment[];
  energy?: SpeakerValueEntry[];
  pace?: SpeakerValueEntry[];
  questions_asked?: SpeakerValueEntry[];
  tone?: SpeakerValueEntry[];
  talk_to_listen_ratio?: SpeakerValueEntry[];
  interruptions?: { start: number; end: number; speaker_id?: string; interrupted_speaker_id?: string }[];
  /** Our extension: typed per-speaker figures behind the values above. */
  speakers: SpeakerStatsEntry[];
  /** Our extension: stretches with nobody talking (see docs/metrics.md). */
  silence?: SilenceSummary;
}

export interface SilenceSummary {
  total_seconds: number;
  /** Share of the recording's duration, 0..1. */
  ratio: number;
  /** Gaps shorter than this are not counted as silence instances. */
  threshold_seconds: number;
  instances: { start: number; end: number; duration: number }[];
}

/** Per-speaker figures; optional fields are present only when their metric was computed. */
export interface SpeakerStatsEntry {
  speaker_id: string;
  talk_seconds: number;
  turns: number;
  longest_monologue_seconds?: number;
  interruptions_made?: number;
  interruptions_received?: number;
  talk_to_listen?: string;
  energy_db?: number;
  energy?: number;
  pace_value?: number;
  pace_unit?: "words_per_minute" | "syllables_per_second";
  words_per_minute?: number;
  questions?: { start: number; end: number; text?: string }[];
  tone?: string;
}

/**
 * Read access to the analysed audio at 16 kHz, without requiring the caller to hold it all.
 * `read(speaker, start, end)` returns the samples in which that speaker is heard best: its own
 * channel for a per-channel stereo call, the mono mix otherwise. Backing storage is the
 * pipeline's business (it may be Int16 or chunked for multi-hour recordings).
 */
export interface SpeechAudio {
  readonly sampleRate: 16000;
  readonly duration: number;
  read(speaker: string, start: number, end: number): Float32Array;
}

/** Everything a metric may look at. Metrics are pure functions of this input. */
export interface MetricInput {
  audio: SpeechAudio;
  turns: Turn[];
  /** Words with times, when a transcriber ran; absent otherwise. */
  words?: Word[];
  speech: SpeechRegion[];
}
