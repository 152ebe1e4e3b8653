import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Result<T> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

/** Runs a typed operation over HTTP POST /graphql. */
export async function gql<T, V>(
  baseUrl: string,
  doc: TypedDocumentNode<T, V>,
  variables: V,
  opts: { apiKey?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<Result<T>> {
  const res = await fetch(`${baseUrl}${opts.path ?? "/graphql"}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as Result<T>;
  return { ...body, status: res.status };
}

export function wsClient(baseUrl: string, apiKey?: string): Client {
  return createClient({
    url: baseUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { apiKey } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects every event of a subscription until it completes (or errors / times out). */
export async function collect<T, V>(client: Client, doc: TypedDocumentNode<T, V>, variables: V, timeoutMs = 60_000) {
  const events: { data?: T | null; errors?: readonly GraphQLFormattedError[] }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`subscription timed out after ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 500)}`));
    }, timeoutMs);
    const unsubscribe = client.subscribe<T>(
      { query: print(doc), variables: variables as Record<string, unknown> },
      {
        next: (v) => void events.push(v as never),
        error: (e) => {
          clearTimeout(timer);
          if (Array.isArray(e)) {
            events.push({ errors: e });
            resolve();
          } else reject(e instanceof Error ? e : new Error(`socket closed: ${(e as { code?: number; reason?: string }).code} ${(e as { reason?: string }).reason ?? ""}`));
        },
        complete: () => {
          clearTimeout(timer);
          resolve();
        },
      },
    );
  });
  return events;
}
