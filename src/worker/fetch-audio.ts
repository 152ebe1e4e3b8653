/**
 * Downloads audio named by `url` through the SSRF guard (src/http/outbound.ts): internal
 * addresses refused unless allowed, every redirect hop checked, size and time capped.
 */
import { OutboundPolicy, outboundRequest } from "../http/outbound.js";

export class AudioFetchError extends Error {
  override readonly name = "AudioFetchError";
}

export async function fetchAudio(
  url: string,
  limits: { maxBytes: number; timeoutMs: number; policy?: OutboundPolicy },
): Promise<Buffer> {
  let res;
  try {
    res = await outboundRequest(limits.policy ?? new OutboundPolicy(), url, { timeoutMs: limits.timeoutMs, maxBytes: limits.maxBytes, maxRedirects: 5 });
  } catch (err) {
    throw new AudioFetchError(`could not download ${url}: ${(err as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) throw new AudioFetchError(`could not download ${url}: HTTP ${res.status}`);
  if (res.body.length === 0) throw new AudioFetchError(`${url} returned no data`);
  return res.body;
}
