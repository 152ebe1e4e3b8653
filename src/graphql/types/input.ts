import { Field, ID, InputType, Int } from "type-graphql";
import { URLResolver } from "graphql-scalars";
import { AudioEncoding, InteractionMetric } from "./enums.js";

@InputType({ description: "Audio to analyse and what to compute. Exactly one of `content`, `url` and `uploadId`." })
export class SubmitAnalysisInput {
  @Field(() => String, { nullable: true, description: "Base64-encoded audio." })
  content?: string | null;

  @Field(() => URLResolver, { nullable: true, description: "An http(s) URL the worker downloads the audio from." })
  url?: URL | null;

  @Field(() => ID, { nullable: true, description: "An upload of this API key: the `uploadId` answered by POST /v1/uploads (raw audio as the body)." })
  uploadId?: string | null;

  @Field(() => AudioEncoding)
  encoding!: AudioEncoding;

  @Field(() => Int, { description: "Sample rate in Hz, 8000-48000. Authoritative for raw LINEAR16/MULAW/ALAW." })
  sampleRate!: number;

  @Field(() => String, { defaultValue: "en-US" })
  languageCode!: string;

  @Field(() => [InteractionMetric], { defaultValue: [InteractionMetric.ALL] })
  metrics!: InteractionMetric[];

  @Field(() => Int, { defaultValue: -1, description: "-1: detect the number of speakers; N (1-20): exactly N." })
  speakers!: number;

  @Field(() => Boolean, { defaultValue: false, description: "Stereo call with one speaker per channel." })
  separateSpeakerPerChannel!: boolean;

  @Field(() => ID, { nullable: true, description: "Optional; resubmitting the same input with the same requestId is idempotent." })
  requestId?: string | null;

  @Field(() => URLResolver, { nullable: true, description: "Optional; the DeepAffects callback is also POSTed here." })
  webhook?: URL | null;
}
