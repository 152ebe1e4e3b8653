import { registerEnumType } from "type-graphql";

export enum AudioEncoding {
  WAV = "WAV",
  FLAC = "FLAC",
  MP3 = "MP3",
  OGG_OPUS = "OGG_OPUS",
  OGG_VORBIS = "OGG_VORBIS",
  LINEAR16 = "LINEAR16",
  MULAW = "MULAW",
  ALAW = "ALAW",
}
registerEnumType(AudioEncoding, {
  name: "AudioEncoding",
  description: "Audio container or raw sample format. Raw LINEAR16 (s16le), MULAW and ALAW use `sampleRate`.",
});

export enum InteractionMetric {
  ALL = "ALL",
  EMOTION = "EMOTION",
  ENERGY = "ENERGY",
  INTERRUPTIONS = "INTERRUPTIONS",
  PACE = "PACE",
  QUESTIONS_ASKED = "QUESTIONS_ASKED",
  TONE = "TONE",
  TALK_TO_LISTEN_RATIO = "TALK_TO_LISTEN_RATIO",
}
registerEnumType(InteractionMetric, { name: "InteractionMetric", description: "Which metrics to compute; unrequested ones are absent from the result." });

export enum AnalysisStatus {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  COMPLETED = "COMPLETED",
  FAILED = "FAILED",
}
registerEnumType(AnalysisStatus, { name: "AnalysisStatus" });
