/**
 * Errors in words a person can act on: the server's codes and job error types mapped to what
 * happened and what to do, with the server's own message kept as the detail.
 */

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string; field?: string; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const WRONG_KEY = "The API key was not accepted. Check it (keys are case-sensitive) and enter it again.";

export function fromGraphQLError(e: GraphQLErrorLike): ApiError {
  const code = e.extensions?.code ?? "INTERNAL_SERVER_ERROR";
  const field = e.extensions?.field;
  switch (code) {
    case "UNAUTHENTICATED":
      return new ApiError(WRONG_KEY, code);
    case "PAYLOAD_TOO_LARGE":
      return new ApiError("The file is larger than this server accepts.", code, e.message);
    case "RATE_LIMITED":
      return new ApiError("Too many requests with this key just now; wait a moment and try again.", code, e.message);
    case "NOT_FOUND":
      return new ApiError("There is no such analysis for your key: it may have expired, or belong to another key.", code, e.message);
    case "BAD_USER_INPUT":
      if (field === "content") return new ApiError("The server refused the audio.", code, e.message);
      if (field === "url") return new ApiError("The server refused the URL.", code, e.message);
      if (field === "sampleRate") return new ApiError("The sample rate is not one the server accepts (8000–48000 Hz).", code, e.message);
      return new ApiError("The server refused the request.", code, e.message);
    case "QUERY_TOO_COMPLEX":
      return new ApiError("The server refused the page's query as too large.", code, e.message);
    default:
      return new ApiError(
        `Something went wrong on the server${e.extensions?.requestId ? ` (request id ${e.extensions.requestId})` : ""}. Try again; if it keeps happening, quote the id to the operator.`,
        code,
      );
  }
}

export async function fromRestError(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) return new ApiError(WRONG_KEY, "UNAUTHENTICATED");
  if (res.status === 413) return new ApiError("The file is larger than this server accepts.", "PAYLOAD_TOO_LARGE", message);
  if (res.status === 429) return new ApiError("Too many requests with this key just now; wait a moment and try again.", "RATE_LIMITED", message);
  if (res.status === 404) return new ApiError("Not found.", "NOT_FOUND", message);
  if (res.status >= 500) return new ApiError("Something went wrong on the server. Try again.", "HTTP", message);
  return new ApiError("The server refused the request.", "HTTP", message);
}

/** What a failed job's `error.type` means, for the person who submitted it. */
export function jobFailure(error: { type: string; message: string }): string {
  switch (error.type) {
    case "audio_decode_error":
      return "The audio could not be decoded: the file is corrupt, truncated, or not in the format it claims to be.";
    case "audio_fetch_error":
      return "The audio could not be downloaded from its URL.";
    case "audio_too_long":
      return "The recording is longer (or larger once decoded) than this server analyses.";
    case "transcription_error":
      return "Transcribing the audio failed.";
    default:
      return "The analysis failed on the server.";
  }
}
