import { Field, Float, ID, Int, ObjectType, GraphQLISODateTime, registerEnumType } from "type-graphql";
import { AnalysisStatus } from "./enums.js";
import { BasicValueScalar } from "./scalars.js";

@ObjectType({ description: "One label of a segment's emotion distribution." })
export class EmotionScore {
  @Field(() => String, { description: "joy, sadness, anger, fear, disgust, surprise or neutral." }) label!: string;
  @Field(() => Float, { description: "Calibrated probability, 0-1; a segment's scores sum to 1." }) score!: number;
}

@ObjectType({ description: "A stretch of one speaker's speech. Segments of different speakers may overlap." })
export class DiarizedSegment {
  @Field(() => String) speakerId!: string;
  @Field(() => Float, { description: "Seconds from the start." }) start!: number;
  @Field(() => Float) end!: number;
  @Field(() => Float, { nullable: true, description: "0-1: how sure the diarizer is that this segment is this speaker's (mono: mean posterior of the assigned speaker under the resegmentation models, 1 with one speaker; null for one speaker per channel)." }) speakerConfidence?: number;
  @Field(() => String, { nullable: true, description: "Transcript, when a recognizer ran." }) text?: string;
  @Field(() => Float, { nullable: true }) confidence?: number;
  @Field(() => String, { nullable: true }) emotion?: string;
  @Field(() => Float, { nullable: true, description: "Calibrated probability of `emotion`, 0-1." }) emotionScore?: number;
  @Field(() => [EmotionScore], { nullable: true, description: "The whole emotion distribution (7 labels), when emotion was computed." }) emotions?: EmotionScore[];
}

@ObjectType()
export class SpeakerValue {
  @Field(() => String) speakerId!: string;
  @Field(() => BasicValueScalar) value!: string | number;
}

@ObjectType({ description: "`speakerId` started while `interruptedSpeakerId` was mid-turn, and the latter stopped." })
export class Interruption {
  @Field(() => Float) start!: number;
  @Field(() => Float) end!: number;
  @Field(() => String, { nullable: true }) speakerId?: string;
  @Field(() => String, { nullable: true }) interruptedSpeakerId?: string;
}

@ObjectType()
export class QuestionSpan {
  @Field(() => Float) start!: number;
  @Field(() => Float) end!: number;
  @Field(() => String, { nullable: true }) text?: string;
}

@ObjectType({ description: "The figures behind one speaker's values; fields of metrics not computed are null." })
export class SpeakerStats {
  @Field(() => String) speakerId!: string;
  @Field(() => Float, { description: "Seconds of speech." }) talkSeconds!: number;
  @Field(() => Int) turns!: number;
  @Field(() => Float, { nullable: true, description: "Seconds." }) longestMonologue?: number;
  @Field(() => Int, { nullable: true }) interruptionsMade?: number;
  @Field(() => Int, { nullable: true }) interruptionsReceived?: number;
  @Field(() => String, { nullable: true }) talkToListen?: string;
  @Field(() => Float, { nullable: true, description: "Active speech level, dBFS." }) energyDb?: number;
  @Field(() => Float, { nullable: true }) energy?: number;
  @Field(() => Float, { nullable: true }) paceValue?: number;
  @Field(() => String, { nullable: true, description: "words_per_minute or syllables_per_second." }) paceUnit?: string;
  @Field(() => Float, { nullable: true }) wordsPerMinute?: number;
  @Field(() => [QuestionSpan], { nullable: true }) questions?: QuestionSpan[];
  @Field(() => String, { nullable: true }) tone?: string;
}

@ObjectType()
export class SilenceSpan {
  @Field(() => Float) start!: number;
  @Field(() => Float) end!: number;
  @Field(() => Float) duration!: number;
}

@ObjectType({ description: "Stretches of the recording with nobody talking." })
export class Silence {
  @Field(() => Float, { description: "Seconds of non-talk time in all." }) totalSeconds!: number;
  @Field(() => Float, { description: "Non-talk time over the recording's duration, 0-1." }) ratio!: number;
  @Field(() => Float, { description: "Gaps shorter than this many seconds are not listed." }) thresholdSeconds!: number;
  @Field(() => [SilenceSpan]) instances!: SilenceSpan[];
}

@ObjectType()
export class InteractionAnalytics {
  @Field(() => Int) numSpeakers!: number;
  @Field(() => Float, { nullable: true, description: "0-1: estimated probability that numSpeakers is right (calibrated on simulated conversations; 1 when the count was given or one speaker per channel)." }) numSpeakersConfidence?: number;
  @Field(() => Int, { nullable: true, description: "The next most likely speaker count; null when the count was given." }) numSpeakersRunnerUp?: number;
  @Field(() => Float, { description: "Seconds during which anyone speaks." }) totalSpeechDuration!: number;
  @Field(() => [DiarizedSegment]) segments!: DiarizedSegment[];
  @Field(() => [SpeakerValue], { nullable: true }) energy?: SpeakerValue[];
  @Field(() => [SpeakerValue], { nullable: true }) pace?: SpeakerValue[];
  @Field(() => [SpeakerValue], { nullable: true }) questionsAsked?: SpeakerValue[];
  @Field(() => [SpeakerValue], { nullable: true }) tone?: SpeakerValue[];
  @Field(() => [SpeakerValue], { nullable: true }) talkToListenRatio?: SpeakerValue[];
  @Field(() => [Interruption], { nullable: true }) interruptions?: Interruption[];
  @Field(() => [SpeakerStats]) speakers!: SpeakerStats[];
  @Field(() => Silence, { nullable: true }) silence?: Silence;
}

@ObjectType()
export class AnalysisError {
  @Field(() => String) type!: string;
  @Field(() => String) message!: string;
}

export enum WebhookDeliveryStatus {
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  FAILED = "FAILED",
}
registerEnumType(WebhookDeliveryStatus, {
  name: "WebhookDeliveryStatus",
  description: "PENDING: queued or waiting for a retry. DELIVERED: the receiver answered 2xx. FAILED: given up (non-retryable answer or attempts exhausted).",
});

@ObjectType({ description: "Delivery of the DeepAffects callback to the job's `webhook`." })
export class WebhookDeliveryInfo {
  @Field(() => ID, { description: "The `webhook-id` header every attempt carries; receivers drop duplicates by it." }) deliveryId!: string;
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int, { description: "HTTP attempts made so far." }) attempts!: number;
  @Field(() => String, { nullable: true, description: "Why the last attempt failed." }) lastError?: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastAttemptAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: "When the next retry is due, while PENDING after a failure." }) nextAttemptAt?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt?: Date;
}

@ObjectType()
export class Analysis {
  @Field(() => ID) requestId!: string;
  @Field(() => AnalysisStatus) status!: AnalysisStatus;
  @Field(() => Float, { nullable: true, description: "0-1 while running." }) progress?: number;
  @Field(() => String, { nullable: true, description: "Pipeline stage running now." }) stage?: string;
  @Field(() => GraphQLISODateTime) submittedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt?: Date;
  @Field(() => AnalysisError, { nullable: true }) error?: AnalysisError;
  @Field(() => InteractionAnalytics, { nullable: true }) result?: InteractionAnalytics;
  @Field(() => WebhookDeliveryInfo, {
    nullable: true,
    description: "The client webhook delivery; null when the job has no `webhook` or has not finished yet.",
  })
  webhookDelivery?: WebhookDeliveryInfo;
}

@ObjectType()
export class SubmitAnalysisPayload {
  @Field(() => ID) requestId!: string;
  @Field(() => String, { description: "The DeepAffects `api` name." }) api!: string;
  @Field(() => AnalysisStatus) status!: AnalysisStatus;
  @Field(() => Analysis) analysis!: Analysis;
}

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true }) endCursor?: string;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType()
export class AnalysisConnection {
  @Field(() => [Analysis]) nodes!: Analysis[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}
