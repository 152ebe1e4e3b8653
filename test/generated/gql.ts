/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation SubmitAnalysis($input: SubmitAnalysisInput!) {\n  submitAnalysis(input: $input) {\n    requestId\n    api\n    status\n  }\n}\n\nquery GetAnalysis($requestId: ID!) {\n  analysis(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nquery ListAnalyses($first: Int!, $after: String, $status: AnalysisStatus) {\n  analyses(first: $first, after: $after, status: $status) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    nodes {\n      requestId\n      status\n      submittedAt\n    }\n  }\n}\n\nsubscription AnalysisCompleted($requestId: ID!) {\n  analysisCompleted(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nsubscription AnalysisUpdated($requestId: ID!) {\n  analysisUpdated(requestId: $requestId) {\n    requestId\n    status\n    progress\n    stage\n  }\n}\n\nfragment AnalysisFields on Analysis {\n  requestId\n  status\n  progress\n  submittedAt\n  completedAt\n  error {\n    type\n    message\n  }\n  result {\n    numSpeakers\n    totalSpeechDuration\n    segments {\n      speakerId\n      start\n      end\n      text\n      emotion\n      emotionScore\n    }\n    energy {\n      speakerId\n      value\n    }\n    pace {\n      speakerId\n      value\n    }\n    questionsAsked {\n      speakerId\n      value\n    }\n    tone {\n      speakerId\n      value\n    }\n    talkToListenRatio {\n      speakerId\n      value\n    }\n    interruptions {\n      start\n      end\n      speakerId\n      interruptedSpeakerId\n    }\n    speakers {\n      speakerId\n      talkSeconds\n      turns\n      longestMonologue\n      interruptionsMade\n      interruptionsReceived\n      talkToListen\n      energyDb\n      paceValue\n      paceUnit\n      questions {\n        start\n        end\n        text\n      }\n      tone\n    }\n  }\n}": typeof types.SubmitAnalysisDocument,
};
const documents: Documents = {
    "mutation SubmitAnalysis($input: SubmitAnalysisInput!) {\n  submitAnalysis(input: $input) {\n    requestId\n    api\n    status\n  }\n}\n\nquery GetAnalysis($requestId: ID!) {\n  analysis(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nquery ListAnalyses($first: Int!, $after: String, $status: AnalysisStatus) {\n  analyses(first: $first, after: $after, status: $status) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    nodes {\n      requestId\n      status\n      submittedAt\n    }\n  }\n}\n\nsubscription AnalysisCompleted($requestId: ID!) {\n  analysisCompleted(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nsubscription AnalysisUpdated($requestId: ID!) {\n  analysisUpdated(requestId: $requestId) {\n    requestId\n    status\n    progress\n    stage\n  }\n}\n\nfragment AnalysisFields on Analysis {\n  requestId\n  status\n  progress\n  submittedAt\n  completedAt\n  error {\n    type\n    message\n  }\n  result {\n    numSpeakers\n    totalSpeechDuration\n    segments {\n      speakerId\n      start\n      end\n      text\n      emotion\n      emotionScore\n    }\n    energy {\n      speakerId\n      value\n    }\n    pace {\n      speakerId\n      value\n    }\n    questionsAsked {\n      speakerId\n      value\n    }\n    tone {\n      speakerId\n      value\n    }\n    talkToListenRatio {\n      speakerId\n      value\n    }\n    interruptions {\n      start\n      end\n      speakerId\n      interruptedSpeakerId\n    }\n    speakers {\n      speakerId\n      talkSeconds\n      turns\n      longestMonologue\n      interruptionsMade\n      interruptionsReceived\n      talkToListen\n      energyDb\n      paceValue\n      paceUnit\n      questions {\n        start\n        end\n        text\n      }\n      tone\n    }\n  }\n}": types.SubmitAnalysisDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SubmitAnalysis($input: SubmitAnalysisInput!) {\n  submitAnalysis(input: $input) {\n    requestId\n    api\n    status\n  }\n}\n\nquery GetAnalysis($requestId: ID!) {\n  analysis(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nquery ListAnalyses($first: Int!, $after: String, $status: AnalysisStatus) {\n  analyses(first: $first, after: $after, status: $status) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    nodes {\n      requestId\n      status\n      submittedAt\n    }\n  }\n}\n\nsubscription AnalysisCompleted($requestId: ID!) {\n  analysisCompleted(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nsubscription AnalysisUpdated($requestId: ID!) {\n  analysisUpdated(requestId: $requestId) {\n    requestId\n    status\n    progress\n    stage\n  }\n}\n\nfragment AnalysisFields on Analysis {\n  requestId\n  status\n  progress\n  submittedAt\n  completedAt\n  error {\n    type\n    message\n  }\n  result {\n    numSpeakers\n    totalSpeechDuration\n    segments {\n      speakerId\n      start\n      end\n      text\n      emotion\n      emotionScore\n    }\n    energy {\n      speakerId\n      value\n    }\n    pace {\n      speakerId\n      value\n    }\n    questionsAsked {\n      speakerId\n      value\n    }\n    tone {\n      speakerId\n      value\n    }\n    talkToListenRatio {\n      speakerId\n      value\n    }\n    interruptions {\n      start\n      end\n      speakerId\n      interruptedSpeakerId\n    }\n    speakers {\n      speakerId\n      talkSeconds\n      turns\n      longestMonologue\n      interruptionsMade\n      interruptionsReceived\n      talkToListen\n      energyDb\n      paceValue\n      paceUnit\n      questions {\n        start\n        end\n        text\n      }\n      tone\n    }\n  }\n}"): (typeof documents)["mutation SubmitAnalysis($input: SubmitAnalysisInput!) {\n  submitAnalysis(input: $input) {\n    requestId\n    api\n    status\n  }\n}\n\nquery GetAnalysis($requestId: ID!) {\n  analysis(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nquery ListAnalyses($first: Int!, $after: String, $status: AnalysisStatus) {\n  analyses(first: $first, after: $after, status: $status) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n    nodes {\n      requestId\n      status\n      submittedAt\n    }\n  }\n}\n\nsubscription AnalysisCompleted($requestId: ID!) {\n  analysisCompleted(requestId: $requestId) {\n    ...AnalysisFields\n  }\n}\n\nsubscription AnalysisUpdated($requestId: ID!) {\n  analysisUpdated(requestId: $requestId) {\n    requestId\n    status\n    progress\n    stage\n  }\n}\n\nfragment AnalysisFields on Analysis {\n  requestId\n  status\n  progress\n  submittedAt\n  completedAt\n  error {\n    type\n    message\n  }\n  result {\n    numSpeakers\n    totalSpeechDuration\n    segments {\n      speakerId\n      start\n      end\n      text\n      emotion\n      emotionScore\n    }\n    energy {\n      speakerId\n      value\n    }\n    pace {\n      speakerId\n      value\n    }\n    questionsAsked {\n      speakerId\n      value\n    }\n    tone {\n      speakerId\n      value\n    }\n    talkToListenRatio {\n      speakerId\n      value\n    }\n    interruptions {\n      start\n      end\n      speakerId\n      interruptedSpeakerId\n    }\n    speakers {\n      speakerId\n      talkSeconds\n      turns\n      longestMonologue\n      interruptionsMade\n      interruptionsReceived\n      talkToListen\n      energyDb\n      paceValue\n      paceUnit\n      questions {\n        start\n        end\n        text\n      }\n      tone\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;