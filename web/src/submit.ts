/**
 * Submitting audio: through the upload endpoint (`POST /v1/uploads`, raw body → 201
 * {uploadId}) when the server has one, else inline as base64 `content`. Whether it has one is
 * found out once per page, by an empty POST: 404 means no such endpoint.
 */
import { authHeaders, request, rest } from "./api";
import { PageSubmitDocument, type InteractionMetric, type SubmitAnalysisInput } from "./generated/graphql";

export interface SubmitOptions {
  encoding: SubmitAnalysisInput["encoding"];
  sampleRate: number;
  separateSpeakerPerChannel: boolean;
  /** -1: detect. */
  speakers: number;
  metrics: InteractionMetric[];
}

let hasUploads: boolean | undefined;

async function uploadEndpointExists(): Promise<boolean> {
  if (hasUploads === undefined) {
    try {
      const probe = await fetch("/v1/uploads", { method: "POST", headers: { "content-type": "application/octet-stream", ...authHeaders() }, body: new Uint8Array(0) });
      hasUploads = probe.status !== 404 && probe.status !== 405;
    } catch {
      hasUploads = false;
    }
  }
  return hasUploads;
}

/** Base64 of the bytes, via a data: URL (the browser encodes natively, without a giant string concatenation). */
function toBase64(bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error ?? new Error("could not read the file"));
    reader.readAsDataURL(new Blob([bytes as BlobPart]));
  });
}

/** Sends a file's bytes for analysis; resolves with the new requestId. */
export async function submitFile(bytes: Uint8Array, opts: SubmitOptions, onStage: (what: string) => void): Promise<string> {
  // `uploadId` is in the schema of servers with the upload endpoint (not in this branch's SDL).
  let input: SubmitAnalysisInput & { uploadId?: string };
  if (await uploadEndpointExists()) {
    onStage("Uploading…");
    const res = await rest("/v1/uploads", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: bytes as BodyInit });
    const { uploadId } = (await res.json()) as { uploadId: string };
    input = { ...opts, uploadId };
  } else {
    onStage("Sending…");
    input = { ...opts, content: await toBase64(bytes) };
  }
  const out = await request(PageSubmitDocument, { input });
  return out.submitAnalysis.requestId;
}

export async function submitUrl(url: string, opts: SubmitOptions): Promise<string> {
  const out = await request(PageSubmitDocument, { input: { ...opts, url } });
  return out.submitAnalysis.requestId;
}
