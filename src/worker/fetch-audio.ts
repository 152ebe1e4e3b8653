/** Downloads audio named by `url`, with a size cap and a time limit. */
export class AudioFetchError extends Error {
  override readonly name = "AudioFetchError";
}

export async function fetchAudio(url: string, limits: { maxBytes: number; timeoutMs: number }): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(limits.timeoutMs), redirect: "follow" });
  } catch (err) {
    throw new AudioFetchError(`could not download ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new AudioFetchError(`could not download ${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > limits.maxBytes) throw new AudioFetchError(`${url} is ${declared} bytes, over the limit of ${limits.maxBytes}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limits.maxBytes) throw new AudioFetchError(`${url} is larger than the limit of ${limits.maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  if (size === 0) throw new AudioFetchError(`${url} returned no data`);
  return Buffer.concat(chunks);
}
