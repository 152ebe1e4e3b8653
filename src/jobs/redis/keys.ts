/** Redis key and channel names of the job adapters, in one place (all under the configured prefix). */
export const jobKey = (prefix: string, requestId: string) => `${prefix}:job:${requestId}`;
export const ownerKey = (prefix: string, owner: string) => `${prefix}:owner:${owner}`;
/** Audio lives under requestId + input hash, so a losing concurrent create never overwrites the winner's. */
export const audioKey = (prefix: string, requestId: string, inputHash: string) => `${prefix}:audio:${requestId}:${inputHash}`;
/** A processed completion webhook-id (replay refusal). */
export const deliveryKey = (prefix: string, messageId: string) => `${prefix}:delivery:${messageId}`;
/** Pub/sub channel of one job's state changes. */
export const eventsChannel = (prefix: string, requestId: string) => `${prefix}:events:${requestId}`;
