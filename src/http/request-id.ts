import { randomUUID } from "node:crypto";

/** A client-supplied x-request-id is kept when it is short and plain; otherwise we make one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const requestIdFor = (given: string | string[] | undefined) => (typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID());
