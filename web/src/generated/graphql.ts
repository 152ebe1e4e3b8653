/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AnalysisStatus =
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** Audio container or raw sample format. Raw LINEAR16 (s16le), MULAW and ALAW use `sampleRate`. */
export type AudioEncoding =
  | 'ALAW'
  | 'FLAC'
  | 'LINEAR16'
  | 'MP3'
  | 'MULAW'
  | 'OGG_OPUS'
  | 'OGG_VORBIS'
  | 'WAV';

/** Which metrics to compute; unrequested ones are absent from the result. */
export type InteractionMetric =
  | 'ALL'
  | 'EMOTION'
  | 'ENERGY'
  | 'INTERRUPTIONS'
  | 'PACE'
  | 'QUESTIONS_ASKED'
  | 'TALK_TO_LISTEN_RATIO'
  | 'TONE';

/** Audio to analyse and what to compute. Exactly one of `content`, `url` and `uploadId`. */
export type SubmitAnalysisInput = {
  /** Base64-encoded audio. */
  content?: string | null | undefined;
  encoding: AudioEncoding;
  languageCode?: string;
  metrics?: Array<InteractionMetric>;
  /** Optional; resubmitting the same input with the same requestId is idempotent. */
  requestId?: string | number | null | undefined;
  /** Sample rate in Hz, 8000-48000. Authoritative for raw LINEAR16/MULAW/ALAW. */
  sampleRate: number;
  /** Stereo call with one speaker per channel. */
  separateSpeakerPerChannel?: boolean;
  /** -1: detect the number of speakers; N (1-20): exactly N. */
  speakers?: number;
  /** An upload of this API key: the `uploadId` answered by POST /v1/uploads (raw audio as the body). */
  uploadId?: string | number | null | undefined;
  /** An http(s) URL the worker downloads the audio from. */
  url?: string | null | undefined;
  /** Optional; the DeepAffects callback is also POSTed here. */
  webhook?: string | null | undefined;
};

export type PageSubmitMutationVariables = Exact<{
  input: SubmitAnalysisInput;
}>;


export type PageSubmitMutation = { submitAnalysis: { requestId: string, status: AnalysisStatus } };

export type PageAnalysesQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type PageAnalysesQuery = { analyses: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, nodes: Array<{ requestId: string, status: AnalysisStatus, progress: number | null, stage: string | null, submittedAt: string, completedAt: string | null, error: { type: string, message: string } | null, result: { numSpeakers: number, totalSpeechDuration: number, silence: { totalSeconds: number } | null } | null }> } };

export type PageAnalysisQueryVariables = Exact<{
  requestId: string | number;
}>;


export type PageAnalysisQuery = { analysis: { requestId: string, status: AnalysisStatus, progress: number | null, stage: string | null, submittedAt: string, completedAt: string | null, error: { type: string, message: string } | null, result: { numSpeakers: number, totalSpeechDuration: number, segments: Array<{ speakerId: string, start: number, end: number, text: string | null, emotion: string | null, emotionScore: number | null }>, interruptions: Array<{ start: number, end: number, speakerId: string | null, interruptedSpeakerId: string | null }> | null, questionsAsked: Array<{ speakerId: string, value: string | number }> | null, speakers: Array<{ speakerId: string, talkSeconds: number, turns: number, longestMonologue: number | null, interruptionsMade: number | null, interruptionsReceived: number | null, talkToListen: string | null, energy: number | null, energyDb: number | null, paceValue: number | null, paceUnit: string | null, tone: string | null, questions: Array<{ start: number, end: number, text: string | null }> | null }>, silence: { totalSeconds: number, ratio: number, thresholdSeconds: number, instances: Array<{ start: number, end: number, duration: number }> } | null } | null } | null };

export type PageProgressSubscriptionVariables = Exact<{
  requestId: string | number;
}>;


export type PageProgressSubscription = { analysisUpdated: { requestId: string, status: AnalysisStatus, progress: number | null, stage: string | null, error: { type: string, message: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const PageSubmitDocument = new TypedDocumentString(`
    mutation PageSubmit($input: SubmitAnalysisInput!) {
  submitAnalysis(input: $input) {
    requestId
    status
  }
}
    `) as unknown as TypedDocumentString<PageSubmitMutation, PageSubmitMutationVariables>;
export const PageAnalysesDocument = new TypedDocumentString(`
    query PageAnalyses($first: Int!, $after: String) {
  analyses(first: $first, after: $after) {
    totalCount
    pageInfo {
      endCursor
      hasNextPage
    }
    nodes {
      requestId
      status
      progress
      stage
      submittedAt
      completedAt
      error {
        type
        message
      }
      result {
        numSpeakers
        totalSpeechDuration
        silence {
          totalSeconds
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PageAnalysesQuery, PageAnalysesQueryVariables>;
export const PageAnalysisDocument = new TypedDocumentString(`
    query PageAnalysis($requestId: ID!) {
  analysis(requestId: $requestId) {
    requestId
    status
    progress
    stage
    submittedAt
    completedAt
    error {
      type
      message
    }
    result {
      numSpeakers
      totalSpeechDuration
      segments {
        speakerId
        start
        end
        text
        emotion
        emotionScore
      }
      interruptions {
        start
        end
        speakerId
        interruptedSpeakerId
      }
      questionsAsked {
        speakerId
        value
      }
      speakers {
        speakerId
        talkSeconds
        turns
        longestMonologue
        interruptionsMade
        interruptionsReceived
        talkToListen
        energy
        energyDb
        paceValue
        paceUnit
        tone
        questions {
          start
          end
          text
        }
      }
      silence {
        totalSeconds
        ratio
        thresholdSeconds
        instances {
          start
          end
          duration
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PageAnalysisQuery, PageAnalysisQueryVariables>;
export const PageProgressDocument = new TypedDocumentString(`
    subscription PageProgress($requestId: ID!) {
  analysisUpdated(requestId: $requestId) {
    requestId
    status
    progress
    stage
    error {
      type
      message
    }
  }
}
    `) as unknown as TypedDocumentString<PageProgressSubscription, PageProgressSubscriptionVariables>;