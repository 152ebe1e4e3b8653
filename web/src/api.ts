/**
 * The page's link to the gateway: typed GraphQL operations over HTTP (fetch) and graphql-ws
 * (subscriptions), the API key kept in sessionStorage, and REST calls for uploads and audio.
 * Every failure becomes an ApiError whose message a person can act on (messages.ts).
 */
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "./generated/graphql";
import { ApiError, fromGraphQLError, fromRestError, type GraphQLErrorLike } from "./messages";

const KEY_STORAGE = "iag.apiKey";

export const apiKey = {
  get: (): string | undefined => sessionStorage.getItem(KEY_STORAGE) ?? undefined,
  set(key: string) {
    sessionStorage.setItem(KEY_STORAGE, key);
    resetSubscriptions();
  },
  clear() {
    sessionStorage.removeItem(KEY_STORAGE);
    resetSubscriptions();
  },
};

/** Authorization header for the stored key (none in open mode). */
export function authHeaders(key = apiKey.get()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Runs a typed operation over HTTP; `key` overrides the stored key (to test one before keeping it). */
export async function request<R, V>(doc: TypedDocumentString<R, V>, variables: V, key?: string): Promise<R> {
  let res: Response;
  try {
    res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...authHeaders(key ?? apiKey.get()) },
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
  } catch {
    throw new ApiError("The server cannot be reached. Check that the gateway is running, then try again.", "NETWORK");
  }
  let body: { data?: R | null; errors?: GraphQLErrorLike[] };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The server answered ${res.status} ${res.statusText} instead of a GraphQL response.`, "HTTP");
  }
  if (body.errors?.length) throw fromGraphQLError(body.errors[0]!);
  if (!body.data) throw new ApiError("The server sent an empty response.", "HTTP");
  return body.data;
}

let client: Client | undefined;

function wsClient(): Client {
  if (!client) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    client = createClient({
      url: `${scheme}://${location.host}/graphql`,
      connectionParams: () => {
        const key = apiKey.get();
        return key ? { apiKey: key } : {};
      },
      lazy: true,
      retryAttempts: 5,
      // a refused key (4403) is final: retrying would only be refused again
      shouldRetry: (e) => !(e && typeof e === "object" && "code" in e && (e as CloseEvent).code === 4403),
    });
  }
  return client;
}

/** Closes the WebSocket so the next subscription connects with the current key. */
function resetSubscriptions() {
  void client?.dispose();
  client = undefined;
}

/** Subscribes to a typed operation over graphql-ws; returns the unsubscribe function. */
export function subscribe<R, V>(
  doc: TypedDocumentString<R, V>,
  variables: V,
  on: { next: (data: R) => void; error: (e: ApiError) => void; complete?: () => void },
): () => void {
  return wsClient().subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (v) => {
        if (v.errors?.length) on.error(fromGraphQLError(v.errors[0] as GraphQLErrorLike));
        else if (v.data) on.next(v.data as R);
      },
      error: (e) => {
        if (Array.isArray(e)) return on.error(fromGraphQLError(e[0] as GraphQLErrorLike));
        const code = (e as CloseEvent | undefined)?.code;
        if (code === 4403) return on.error(new ApiError("The API key was not accepted for live updates. Enter it again.", "UNAUTHENTICATED"));
        on.error(new ApiError("The live connection to the server was lost. Reload the page to see the latest state.", "NETWORK"));
      },
      complete: () => on.complete?.(),
    },
  );
}

/** A REST call with the key; non-2xx answers become ApiErrors from their `{error: {message}}` body. */
export async function rest(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  } catch {
    throw new ApiError("The server cannot be reached. Check that the gateway is running, then try again.", "NETWORK");
  }
  if (!res.ok) throw await fromRestError(res);
  return res;
}
