/**
 * The bad-input corpus: malformed requests generated over every door (REST submit and
 * status, GraphQL over HTTP, the completion webhook, raw HTTP), each with what a clear
 * refusal looks like. Corrupt audio that passes validation is a separate kind: it must be
 * accepted and end as a FAILED job with a readable error (or, for raw formats, where any
 * byte string is valid audio, as any final state).
 */
import { readFileSync } from "node:fs";
import { fixture } from "../helpers/audio.js";
import { oggPageCrc } from "../../src/analysis/audio/containers.js";

export interface RestCase {
  kind: "rest";
  name: string;
  path?: "submit" | "status";
  query: Record<string, string | undefined>;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  type: string;
}
export interface GraphqlCase {
  kind: "graphql";
  name: string;
  body?: unknown;
  raw?: string;
  apiKey?: string | null;
  contentType?: string;
  /** Acceptable `extensions.code`s of the first error. */
  codes: string[];
}
export interface DoorCase {
  kind: "door";
  name: string;
  /** Builds the request at run time (timestamps, replays need the live server). */
  build: "unsigned" | "bad-signature" | "stale" | "future" | "tampered" | "replay" | "malformed-body" | "unknown-request" | "wrong-secret" | "partial-headers";
  variant: number;
  status: number;
}
export interface RawCase {
  kind: "raw";
  name: string;
  path: string;
  declaredLength: number;
  status: number;
}
export interface AudioCase {
  kind: "audio";
  name: string;
  api: "rest" | "graphql";
  content: Buffer;
  encoding: string;
  sampleRate: number;
  /** true: must end FAILED with a readable error; false: may also complete (raw audio). */
  mustFail: boolean;
  /** Must end COMPLETED (mislabelled audio that decodes as what its bytes are). */
  mustComplete?: boolean;
  /** The FAILED job's error must match. */
  error?: { type: string; message: RegExp };
}
export type Case = RestCase | GraphqlCase | DoorCase | RawCase | AudioCase;

const ENCODINGS = ["WAV", "FLAC", "MP3", "OGG_OPUS", "OGG_VORBIS", "LINEAR16", "MULAW", "ALAW"];
const GQL_SUBMIT = `mutation Submit($input: SubmitAnalysisInput!) { submitAnalysis(input: $input) { requestId status } }`;
const VALIDATION = ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"];

export const PRIVATE_URLS = [
  "127.0.0.2", "localhost", "LOCALHOST", "api.localhost", "10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.0.1",
  "192.168.255.254", "169.254.169.254", "169.254.170.2", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0", "[::1]", "[::]", "[fc00::1]",
  "[fd00:ec2::254]", "[fe80::1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]", "224.0.0.1", "255.255.255.255",
  "metadata.google.internal", "metadata", "instance-data", "0x0a000001", "012.0.0.1", "3232235521", "intranet", "[0:0:0:0:0:ffff:a00:1]",
  "198.18.0.1", "240.0.0.1", "printer.local",
].flatMap((h) => [`http://${h}/audio.wav`, `https://${h}:8443/x?y=1`]);
const BAD_SCHEMES = ["file:///etc/passwd", "ftp://example.com/a.wav", "gopher://example.com/", "javascript:alert(1)", "data:audio/wav;base64,AAAA", "ws://example.com/", "http://user:pass@example.com/a.wav", "not a url", "//example.com/a.wav", "http://"];

const BAD_BASE64 = [
  "@@@@", "abc", "QUJD=", "====", "A", "AB", "ABC", "QUJD!", "QU JD=", "Zm9v\u0000", "ÿÿÿÿ", "😀😀😀😀", "data:audio/wav;base64,!!!!", "QUJDRA===",
  "-_-_", "QUJD\nRA=", "=QUJD", "QU=JD", "Q===", "QUJDRA==QUJD", "%%%%", "\\u0041BCD", "QUJD.", "QUJD,", "AAAA=AAA", "AA==AA==", "A=B=", "QUJ*", "....",
];
const WRONG_TYPES: Record<string, unknown[]> = {
  content: [123, true, ["QUJD"], { b: 1 }],
  url: [123, false, ["http://example.com"], { href: "x" }],
  encoding: [1, true, ["WAV"], { e: "WAV" }],
  sampleRate: [true, [16000], { hz: 16000 }, "sixteen", "16000.5", "16 kHz", ""],
  languageCode: [1, true, ["en-US"], {}],
  metrics: ["all", 1, true, { all: true }, [1, 2], [null], [["all"]]],
  speakers: ["2", true, [2], {}],
  separateSpeakerPerChannel: ["true", 1, [true], {}],
};
const BAD_SAMPLE_RATES = [0, -1, 7999, 48001, 96000, 1e9, 16000.5, 1e308, -16000, 4000, 192000];
const BAD_ENCODINGS = ["AAC", "wav2", "", "M4A", "WMA", "LINEAR32", "AMR", "MPEG-4", "Speex", "ogg flac", "  ", "audio/aac"];
/** What REST accepts (DeepAffects clients' names) and GraphQL's enum does not. */
const REST_ONLY_ENCODINGS = ["pcm", "OPUS", "u-law", "FLAC ", "OGG", "Wave", "MPEG Audio", "wav"];
/** A sample rate as a string: DeepAffects' SDK sends one; GraphQL's Int does not take it. */
const REST_ONLY_SAMPLE_RATES = ["16000", " 8000 ", "16000.0"];
const BAD_METRICS = ["happiness", "ALLL", "energy2", "", "talk-to-listen", "sentiment", "emotions", "*", "questions", "tone!"];
const BAD_SPEAKERS = [0, -2, 21, 1.5, 100, -100, 999999];
const BAD_LANGUAGES = ["", "english", "e", "en_US!", "x".repeat(100), "en-", "12-34", "en US", "🇺🇸"];
const UNKNOWN_FIELDS = [
  "sample_rate", "language", "apikey", "webhook", "requestId", "extra", "__proto__x", "constructor", "Encoding", "SampleRate", "audio", "data",
  "file", "model", "callback", "priority", "metrics2", "speaker", "channels", "format",
];
const BAD_REQUEST_IDS = ["has space", "x".repeat(200), "ünïcode", "a/b", "a;b", "<script>", "a\\b", "a?b", "a#b", "a%20b"];
const BAD_KEYS = ["", "short", "wrong-key-0000000000", "rest-key-alice-012345678", "REST-KEY-ALICE-0123456789", "rest-key-alice-0123456789x", "null", "undefined", "' OR 1=1 --", "x".repeat(1000)];
const NOT_JSON = ["{", "{not json", "[1,2", "\"unterminated", "{'single': 'quotes'}", "{\"a\":}", "\u0000\u0001\u0002", "<xml/>", "content=abc&encoding=WAV", "{\"content\": \"QUJD\",}"];
const NOT_OBJECT = ["[]", "[1,2]", "\"string\"", "123", "true", "null", "[{}]"];

const GQL_SYNTAX = [
  "{", "}", "query {", "mutation", "{ analysis(requestId: ) { status } }", "{ analysis(requestId: \"x\" { status } }", "{ analyses(first: 1) { nodes { } } }",
  "subscription", "query Q($a: ) { analyses(first: 1) { totalCount } }", "{ analysis(requestId: \"x\") { status }", "{{}}", "query query query",
  "{ analyses(first: 1) { totalCount } } }", "fragment F on Analysis { status }", "{ \"analysis\" }", "{ analysis(requestId: \"x\") { ...on } }", "{ 1 }", "{ analysis(requestId: \"\\u\") { status } }",
  "\u0000", "{ analysis(requestId: \"x\") @ { status } }",
];
const GQL_INVALID = [
  "{ nope }", "{ analysis { status } }", "{ analysis(requestId: \"x\") { nope } }", "{ analysis(requestId: \"x\") }", "{ analyses(first: \"1\") { totalCount } }",
  "{ analyses(first: 1, last: 2) { totalCount } }", "mutation { submitAnalysis { requestId } }", "mutation { submitAnalysis(input: {}) { requestId } }",
  "mutation { submitAnalysis(input: {encoding: WAV}) { requestId } }", "mutation { submitAnalysis(input: {encoding: AAC, sampleRate: 16000, content: \"QUJD\"}) { requestId } }",
  "mutation { submitAnalysis(input: {encoding: WAV, sampleRate: \"16000\", content: \"QUJD\"}) { requestId } }", "{ analysis(requestId: \"x\") { status ...F } } fragment F on Analysis { ...F }",
  "{ analysis(requestId: \"x\") { result } }", "{ __type(name: 1) { name } }", "query A { analyses(first: 1) { totalCount } } query A { analyses(first: 1) { totalCount } }",
  "{ analyses(first: 1) { nodes { status(x: 1) } } }", "subscription { analysisCompleted(requestId: \"x\") { status } analysisUpdated(requestId: \"y\") { status } }",
  "query($x: Int) { analysis(requestId: $x) { status } }", "query($x: NoSuchType) { analyses(first: 1) { totalCount } }", "{ analyses(first: 1) { nodes { submittedAt { x } } } }",
];
const GQL_LIMITS = [
  ...[30, 100, 1000, 5000].map((n) => `{ analysis(requestId: "x") ${"{ result ".repeat(n)}${"}".repeat(n)} }`),
  `{ analyses(first: 100) { nodes { requestId status progress stage submittedAt completedAt error { type message } result { numSpeakers totalSpeechDuration segments { speakerId start end } speakers { speakerId talkSeconds turns } } } } }`,
  `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: analysis(requestId: "x") { status }`).join(" ")} }`,
  `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: analyses(first: 100) { totalCount nodes { requestId } }`).join(" ")} }`,
];

/** Every malformed request of the corpus. `keys` are the gateway's API keys. */
export function generateCorpus(opts: { key: string; otherKey: string; webhook: string; validWav: string }): Case[] {
  const cases: Case[] = [];
  const base = { content: opts.validWav, encoding: "WAV", sampleRate: 16000 };
  const q = { apikey: opts.key, webhook: opts.webhook };
  const rest = (name: string, body: unknown, status = 400, type = "params_invalid", query: Record<string, string | undefined> = q) =>
    cases.push({ kind: "rest", name, query, body, status, type });
  const gql = (name: string, input: Record<string, unknown>, codes = VALIDATION) =>
    cases.push({ kind: "graphql", name, body: { query: GQL_SUBMIT, variables: { input } }, codes });

  // --- invalid base64, both APIs
  for (const s of BAD_BASE64) {
    rest(`REST bad base64 ${JSON.stringify(s)}`, { ...base, content: s });
    gql(`GraphQL bad base64 ${JSON.stringify(s)}`, { ...base, content: s });
  }
  // --- empty / zero-length audio
  for (const s of ["", " ", "\n\t", "data:audio/wav;base64,"]) {
    rest(`REST empty content ${JSON.stringify(s)}`, { ...base, content: s });
    gql(`GraphQL empty content ${JSON.stringify(s)}`, { ...base, content: s });
  }
  // --- wrong types
  for (const [field, values] of Object.entries(WRONG_TYPES)) {
    for (const v of values) {
      rest(`REST ${field} of wrong type ${JSON.stringify(v)}`, { ...base, [field]: v });
      gql(`GraphQL ${field} of wrong type ${JSON.stringify(v)}`, { ...base, [field]: v });
    }
  }
  // --- wrong sampleRate for every encoding
  for (const enc of ENCODINGS) {
    for (const sr of BAD_SAMPLE_RATES) {
      rest(`REST ${enc} at sampleRate ${sr}`, { ...base, encoding: enc, sampleRate: sr });
      gql(`GraphQL ${enc} at sampleRate ${sr}`, { ...base, encoding: enc, sampleRate: sr });
    }
  }
  for (const enc of BAD_ENCODINGS) {
    rest(`REST unknown encoding ${JSON.stringify(enc)}`, { ...base, encoding: enc });
    gql(`GraphQL unknown encoding ${JSON.stringify(enc)}`, { ...base, encoding: enc });
  }
  for (const enc of REST_ONLY_ENCODINGS) gql(`GraphQL non-enum encoding ${JSON.stringify(enc)}`, { ...base, encoding: enc });
  for (const sr of REST_ONLY_SAMPLE_RATES) gql(`GraphQL sampleRate as string ${JSON.stringify(sr)}`, { ...base, sampleRate: sr });
  for (const m of BAD_METRICS) {
    rest(`REST unknown metric ${JSON.stringify(m)}`, { ...base, metrics: ["energy", m] });
    gql(`GraphQL unknown metric ${JSON.stringify(m)}`, { ...base, metrics: ["ENERGY", m] });
  }
  for (const n of BAD_SPEAKERS) {
    rest(`REST speakers ${n}`, { ...base, speakers: n });
    gql(`GraphQL speakers ${n}`, { ...base, speakers: n });
  }
  for (const l of BAD_LANGUAGES) {
    rest(`REST languageCode ${JSON.stringify(l)}`, { ...base, languageCode: l });
    gql(`GraphQL languageCode ${JSON.stringify(l)}`, { ...base, languageCode: l });
  }
  // --- unknown fields
  for (const f of UNKNOWN_FIELDS) {
    rest(`REST unknown field ${f}`, { ...base, [f]: "x" });
    // requestId and webhook are GraphQL input fields (REST takes them in the query string)
    if (f !== "requestId" && f !== "webhook") gql(`GraphQL unknown input field ${f}`, { ...base, [f]: "x" });
  }
  // --- both / neither content and url, missing required fields
  for (const [name, body] of [
    ["both", { ...base, url: "https://example.com/a.wav" }],
    ["neither", { encoding: "WAV", sampleRate: 16000 }],
    ["no encoding", { content: opts.validWav, sampleRate: 16000 }],
    ["no sampleRate", { content: opts.validWav, encoding: "WAV" }],
    ["empty object", {}],
    ["url null and content null", { ...base, content: null, url: null }],
  ] as const) {
    rest(`REST ${name}`, body);
    gql(`GraphQL ${name}`, body as Record<string, unknown>);
  }
  // --- private, loopback, metadata and non-http URLs: as audio url and as webhook, both APIs
  for (const u of [...PRIVATE_URLS, ...BAD_SCHEMES]) {
    rest(`REST url ${u}`, { url: u, encoding: "WAV", sampleRate: 16000 });
    rest(`REST webhook ${u}`, base, 400, "params_invalid", { apikey: opts.key, webhook: u });
    gql(`GraphQL url ${u}`, { url: u, encoding: "WAV", sampleRate: 16000 });
    gql(`GraphQL webhook ${u}`, { ...base, webhook: u });
  }
  // --- request ids
  for (const id of BAD_REQUEST_IDS) {
    rest(`REST request_id ${JSON.stringify(id)}`, base, 400, "params_invalid", { ...q, request_id: id });
    gql(`GraphQL requestId ${JSON.stringify(id)}`, { ...base, requestId: id });
  }
  // --- keys
  for (const k of BAD_KEYS) {
    rest(`REST apikey ${JSON.stringify(k.slice(0, 30))}`, base, 401, "unauthorized", { apikey: k || undefined, webhook: opts.webhook });
    cases.push({ kind: "rest", name: `REST status with apikey ${JSON.stringify(k.slice(0, 30))}`, path: "status", query: { apikey: k || undefined, request_id: "x" }, status: 401, type: "unauthorized" });
    cases.push({ kind: "graphql", name: `GraphQL key ${JSON.stringify(k.slice(0, 30))}`, body: { query: GQL_SUBMIT, variables: { input: base } }, apiKey: k || null, codes: ["UNAUTHENTICATED"] });
  }
  rest("REST without webhook", base, 400, "params_invalid", { apikey: opts.key });
  rest("REST with empty webhook", base, 400, "params_invalid", { apikey: opts.key, webhook: "" });
  // --- bodies that are not JSON objects
  for (const raw of [...NOT_JSON, ...NOT_OBJECT]) cases.push({ kind: "rest", name: `REST body ${JSON.stringify(raw)}`, query: q, raw, status: 400, type: "params_invalid" });
  for (const raw of [...NOT_JSON, ...NOT_OBJECT]) cases.push({ kind: "graphql", name: `GraphQL body ${JSON.stringify(raw)}`, raw, codes: ["BAD_REQUEST", "BAD_USER_INPUT"] });
  cases.push({ kind: "graphql", name: "GraphQL as text/plain (CSRF guard)", raw: JSON.stringify({ query: "{ analyses(first: 1) { totalCount } }" }), contentType: "text/plain", codes: ["BAD_REQUEST"] });
  // --- status endpoint
  for (const [name, query, status, type] of [
    ["status without request_id", { apikey: opts.key }, 400, "params_invalid"],
    ["status with empty request_id", { apikey: opts.key, request_id: "" }, 400, "params_invalid"],
    ["status of an unknown request", { apikey: opts.key, request_id: "does-not-exist" }, 404, "not_found"],
    ["status of a weird request id", { apikey: opts.key, request_id: "../../etc/passwd" }, 404, "not_found"],
    ["status with the other key", { apikey: opts.otherKey, request_id: "does-not-exist" }, 404, "not_found"],
  ] as const) {
    cases.push({ kind: "rest", name, path: "status", query, status, type });
  }
  // --- GraphQL syntax, validation, nesting and complexity
  for (const query of GQL_SYNTAX) cases.push({ kind: "graphql", name: `GraphQL syntax ${JSON.stringify(query.slice(0, 40))}`, body: { query }, codes: ["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"] });
  for (const query of GQL_INVALID) cases.push({ kind: "graphql", name: `GraphQL invalid ${JSON.stringify(query.slice(0, 40))}`, body: { query }, codes: ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"] });
  for (const query of GQL_LIMITS) cases.push({ kind: "graphql", name: `GraphQL too deep/complex (${query.length} chars)`, body: { query }, codes: ["QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED"] });
  for (const [name, body] of [
    ["no query", {}],
    ["query not a string", { query: 123 }],
    ["variables not an object", { query: GQL_SUBMIT, variables: "x" }],
    ["operationName unknown", { query: "query A { analyses(first: 1) { totalCount } }", operationName: "B" }],
    ["two operations without a name", { query: "query A { analyses(first: 1) { totalCount } } query B { analyses(first: 1) { totalCount } }" }],
    ["missing variable", { query: GQL_SUBMIT }],
    ["variable null", { query: GQL_SUBMIT, variables: { input: null } }],
    ["extensions garbage", { query: "{ analyses(first: 1) { totalCount } }", extensions: { persistedQuery: { version: 1, sha256Hash: "abc" } } }],
    ["first out of range", { query: "{ analyses(first: 100000) { totalCount } }" }],
    ["bad cursor", { query: "{ analyses(first: 1, after: \"!!!\") { totalCount } }" }],
  ] as const) {
    cases.push({
      kind: "graphql",
      name: `GraphQL ${name}`,
      body,
      codes: ["BAD_REQUEST", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "OPERATION_RESOLUTION_FAILURE", "PERSISTED_QUERY_NOT_SUPPORTED", "QUERY_TOO_COMPLEX"],
    });
  }
  // --- the completion door: unsigned, forged, stale, replayed, malformed
  const door: [DoorCase["build"], number, number][] = [
    ["unsigned", 8, 401], ["bad-signature", 8, 401], ["stale", 6, 401], ["future", 6, 401], ["tampered", 8, 401], ["wrong-secret", 6, 401],
    ["partial-headers", 6, 401], ["replay", 8, 409], ["malformed-body", 12, 400], ["unknown-request", 4, 404],
  ];
  for (const [build, n, status] of door) for (let v = 0; v < n; v++) cases.push({ kind: "door", name: `door ${build} #${v}`, build, variant: v, status });
  // --- huge declared sizes (Content-Length far over the limit; the body never comes)
  for (const len of [10 ** 9, 10 ** 12, 2 ** 53 - 1, 100 * 1024 * 1024]) {
    cases.push({ kind: "raw", name: `REST declared ${len} bytes`, path: `/audio/generic/api/v1/async/analytics/interaction?apikey=${opts.key}&webhook=${encodeURIComponent(opts.webhook)}`, declaredLength: len, status: 413 });
    cases.push({ kind: "raw", name: `GraphQL declared ${len} bytes`, path: "/graphql", declaredLength: len, status: 413 });
    cases.push({ kind: "raw", name: `door declared ${len} bytes`, path: "/webhooks/analysis", declaredLength: len, status: 413 });
  }
  // --- base64 audio over MAX_AUDIO_BYTES (but within the body limit): 413
  rest("REST audio over MAX_AUDIO_BYTES", { ...base, content: Buffer.alloc(1100 * 1024, 1).toString("base64") }, 413, "payload_too_large");
  gql("GraphQL audio over MAX_AUDIO_BYTES", { ...base, content: Buffer.alloc(1100 * 1024, 1).toString("base64") }, ["PAYLOAD_TOO_LARGE"]);

  cases.push(...corruptAudio());
  return cases;
}

/** Recomputes every Ogg page CRC in place, so damage inside pages passes the page checks. */
function fixOggCrcs(b: Buffer) {
  for (let o = 0; o + 27 <= b.length && b.toString("latin1", o, o + 4) === "OggS"; ) {
    let len = 27 + b[o + 26]!;
    for (let i = 0; i < b[o + 26]!; i++) len += b[o + 27 + i]!;
    if (o + len > b.length) return;
    b.writeUInt32LE(oggPageCrc(b, o, len), o + 22);
    o += len;
  }
}

/** Truncated, corrupted, mislabelled and lying-header audio of every encoding. */
export function corruptAudio(): AudioCase[] {
  const files: [string, string, number][] = [
    ["speech-pcm16-16k.wav", "WAV", 16000], ["speech-pcm24-16k.wav", "WAV", 16000], ["speech-float32-8k.wav", "WAV", 8000], ["speech-mulaw-8k.wav", "WAV", 8000],
    ["speech-16k.flac", "FLAC", 16000], ["speech-16k.mp3", "MP3", 16000], ["speech-16k.opus", "OGG_OPUS", 48000], ["speech-16k.ogg", "OGG_VORBIS", 16000],
    ["speech-s16le-8k.raw", "LINEAR16", 8000], ["speech-mulaw-8k.raw", "MULAW", 8000], ["speech-alaw-8k.raw", "ALAW", 8000],
  ];
  const out: AudioCase[] = [];
  let n = 0;
  for (const [file, encoding, sampleRate] of files) {
    const b = readFileSync(fixture(file));
    const raw = encoding === "LINEAR16" || encoding === "MULAW" || encoding === "ALAW";
    const add = (what: string, content: Buffer, mustFail: boolean) =>
      out.push({ kind: "audio", name: `${file}: ${what}`, api: n++ % 2 ? "rest" : "graphql", content, encoding, sampleRate, mustFail });
    // Containers must notice truncation and corruption; raw audio has no structure to
    // break, except LINEAR16's whole frames.
    for (const keep of [1, 4, 11, 44, Math.floor(b.length / 2) + 1]) add(`truncated to ${keep} bytes`, b.subarray(0, keep), !raw || (encoding === "LINEAR16" && keep % 2 === 1));
    const flipped = Buffer.from(b);
    for (let i = 0; i < Math.min(64, b.length); i += 3) flipped[i] ^= 0xa5;
    add("header bytes flipped", flipped, !raw);
    let seed = n * 7919;
    const garbage = Buffer.from(Array.from({ length: b.length }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
    add("random bytes of the same length", garbage, !raw);
    // mislabelled: decoded as what the bytes are, so it completes; cut, it fails naming both
    // (a bare MPEG frame sync does not override a raw declaration: raw gets FLAC)
    const other = encoding === "MP3" || raw ? "speech-16k.flac" : "speech-16k.mp3";
    const otherBytes = readFileSync(fixture(other));
    const otherName = other.endsWith(".flac") ? "a FLAC stream" : "an MP3 stream";
    out.push({ kind: "audio", name: `${file}: ${other} declared as ${encoding}`, api: n++ % 2 ? "rest" : "graphql", content: otherBytes, encoding, sampleRate, mustFail: false, mustComplete: true });
    const cut = otherBytes.subarray(0, Math.floor(otherBytes.length * 0.55));
    out.push({
      kind: "audio", name: `${file}: ${other} cut short, declared as ${encoding}`, api: n++ % 2 ? "rest" : "graphql", content: cut, encoding, sampleRate, mustFail: true,
      error: { type: "audio_decode_error", message: new RegExp(`^declared .+ but the bytes are ${otherName}, which could not be decoded: (truncated|corrupt)`) },
    });
    if (raw) add("a WAV file declared as raw", readFileSync(fixture("speech-pcm16-16k.wav")), false);
    // damage deep inside compressed streams, past the structural checks (Ogg CRCs recomputed),
    // so the decoders themselves meet it
    if (!raw && encoding !== "WAV") {
      for (let k = 0; k < 6; k++) {
        const d = Buffer.from(b);
        let s2 = (k + 1) * 2654435761;
        const at = 200 + Math.floor(((k + 0.5) / 6) * (d.length - 400));
        const span = [3, 40, 400][k % 3]!;
        for (let i = at; i < Math.min(d.length, at + span); i++) d[i] = (s2 = (s2 * 1103515245 + 12345) >>> 0) >>> 24;
        if (encoding.startsWith("OGG")) fixOggCrcs(d);
        add(`burst of ${span} bytes at ${at}${encoding.startsWith("OGG") ? " (CRCs fixed)" : ""}`, d, false);
      }
    }
  }
  // headers that lie about sizes
  const wav = Buffer.from(readFileSync(fixture("speech-pcm16-16k.wav")));
  const bigData = Buffer.from(wav);
  bigData.writeUInt32LE(0x7ffffff0, 40); // data chunk claims ~2 GB
  out.push({ kind: "audio", name: "WAV data chunk declares 2 GB", api: "rest", content: bigData, encoding: "WAV", sampleRate: 16000, mustFail: true });
  const zeroRate = Buffer.from(wav);
  zeroRate.writeUInt32LE(0, 24);
  out.push({ kind: "audio", name: "WAV with sample rate 0", api: "graphql", content: zeroRate, encoding: "WAV", sampleRate: 16000, mustFail: true });
  const manyChannels = Buffer.from(wav);
  manyChannels.writeUInt16LE(64, 22);
  out.push({ kind: "audio", name: "WAV claiming 64 channels", api: "rest", content: manyChannels, encoding: "WAV", sampleRate: 16000, mustFail: true });
  // absurd header fields are a corrupt file, not a long one (they must not reach the duration limit)
  for (const [what, at, value, size] of [["65535 channels", 22, 65535, 2], ["a 4 GHz sample rate", 24, 0xf0000000, 4], ["4096-bit samples", 34, 4096, 2]] as const) {
    const lie = Buffer.from(wav);
    if (size === 2) lie.writeUInt16LE(value, at);
    else lie.writeUInt32LE(value, at);
    out.push({ kind: "audio", name: `WAV claiming ${what}`, api: "graphql", content: lie, encoding: "WAV", sampleRate: 16000, mustFail: true, error: { type: "audio_decode_error", message: /^corrupt WAV header: it claims/ } });
  }
  const flac = Buffer.from(readFileSync(fixture("speech-16k.flac")));
  flac[8 + 13] |= 0x0f;
  flac.writeUInt32BE(0xffffffff, 8 + 14); // STREAMINFO total samples: ~19 hours at 16 kHz
  out.push({ kind: "audio", name: "FLAC STREAMINFO declares 68 billion samples", api: "graphql", content: flac, encoding: "FLAC", sampleRate: 16000, mustFail: true });
  out.push({ kind: "audio", name: "LINEAR16 of odd length", api: "rest", content: Buffer.alloc(16001, 1), encoding: "LINEAR16", sampleRate: 16000, mustFail: true });
  return out;
}
