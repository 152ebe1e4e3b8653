/**
 * GraphQL enums, built from the lists the rest of the code uses, so a new encoding, metric
 * or status is added in one place (src/analysis/types.ts, src/jobs/types.ts).
 */
import { registerEnumType } from "type-graphql";
import { AUDIO_ENCODINGS, METRIC_NAMES } from "../../analysis/types.js";
import { JOB_STATUSES } from "../../jobs/types.js";

/** An enum object { NAME: "NAME", ... } for registerEnumType. */
const enumOf = <T extends string>(names: readonly T[]) => Object.fromEntries(names.map((n) => [n, n])) as { [K in T]: K };

export const AudioEncoding = enumOf(AUDIO_ENCODINGS);
export type AudioEncoding = (typeof AUDIO_ENCODINGS)[number];
registerEnumType(AudioEncoding, {
  name: "AudioEncoding",
  description: "Audio container or raw sample format. Raw LINEAR16 (s16le), MULAW and ALAW use `sampleRate`.",
});

const METRICS = ["ALL", ...METRIC_NAMES.map((m) => m.toUpperCase() as Uppercase<(typeof METRIC_NAMES)[number]>)] as const;
export const InteractionMetric = enumOf(METRICS);
export type InteractionMetric = (typeof METRICS)[number];
registerEnumType(InteractionMetric, { name: "InteractionMetric", description: "Which metrics to compute; unrequested ones are absent from the result." });

export const AnalysisStatus = enumOf(JOB_STATUSES);
export type AnalysisStatus = (typeof JOB_STATUSES)[number];
registerEnumType(AnalysisStatus, { name: "AnalysisStatus" });
