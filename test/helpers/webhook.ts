import { signWebhook } from "../../src/webhooks/signing.js";

/** POSTs a signed completion to a gateway's webhook door, as a backend would. */
export async function postCompletion(
  baseUrl: string,
  secret: string,
  body: unknown,
  opts: { messageId?: string; at?: Date; tamper?: boolean } = {},
) {
  const payload = JSON.stringify(body);
  const headers = signWebhook(secret, opts.messageId ?? `msg_${Math.random().toString(36).slice(2)}`, payload, opts.at);
  const res = await fetch(`${baseUrl}/webhooks/analysis`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: opts.tamper ? payload.replace(/}$/, ' }') : payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const sampleResponse = {
  num_speakers: 2,
  total_speech_duration: 10.5,
  segments: [
    { speaker_id: "0", start: 0, end: 5 },
    { speaker_id: "1", start: 5.2, end: 10.7 },
  ],
  talk_to_listen_ratio: [
    { speaker_id: "0", value: "48:52" },
    { speaker_id: "1", value: "52:48" },
  ],
  interruptions: [],
  speakers: [
    { speaker_id: "0", talk_seconds: 5, turns: 1 },
    { speaker_id: "1", talk_seconds: 5.5, turns: 1 },
  ],
};
