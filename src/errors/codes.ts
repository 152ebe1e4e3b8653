/**
 * The one place for error codes. GraphQL errors carry `extensions.code`; REST errors carry
 * the DeepAffects-style `type`. Add a code here before using it anywhere.
 */
import { GraphQLError } from "graphql";

export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** Over a per-key rate limit or a connection/subscription limit. */
  RATE_LIMITED: "RATE_LIMITED",
  /** A query deeper or more complex than MAX_QUERY_DEPTH / MAX_QUERY_COMPLEXITY. */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Why a job failed; sent as `error.type` in the DeepAffects callback. */
export const JobErrorType = {
  AUDIO_DECODE: "audio_decode_error",
  AUDIO_FETCH: "audio_fetch_error",
  /** Longer than MAX_AUDIO_SECONDS, or larger decoded than MAX_DECODED_AUDIO_BYTES. */
  AUDIO_TOO_LONG: "audio_too_long",
  ANALYSIS: "analysis_error",
  TRANSCRIPTION: "transcription_error",
  INTERNAL: "internal_error",
} as const;
export type JobErrorType = (typeof JobErrorType)[keyof typeof JobErrorType];

/** A client error raised by plain logic, mapped to GraphQL or HTTP at the edge. */
export class UserInputError extends Error {
  constructor(
    message: string,
    public readonly field?: string,
    public readonly code: ErrorCode = ErrorCode.BAD_USER_INPUT,
  ) {
    super(message);
    this.name = "UserInputError";
  }
}

export function toGraphQLError(err: UserInputError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: { code: err.code, ...(err.field ? { field: err.field } : {}) },
  });
}

export const httpStatusFor: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  QUERY_TOO_COMPLEX: 400,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * REST (DeepAffects-style) error `type`s, sent as `{error: {type, message}}`. `params_invalid`
 * is the DeepAffects name for every validation failure.
 */
export const RestErrorType: Record<ErrorCode, string> = {
  BAD_USER_INPUT: "params_invalid",
  UNAUTHENTICATED: "unauthorized",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not_found",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  RATE_LIMITED: "rate_limited",
  QUERY_TOO_COMPLEX: "params_invalid",
  INTERNAL_SERVER_ERROR: "internal_error",
};
