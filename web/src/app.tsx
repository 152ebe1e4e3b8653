/**
 * The page: an API key gate (skipped when the server is open), then two views chosen by the
 * URL hash — `#/` (submit and list) and `#/analysis/<requestId>` (one result).
 */
import { useEffect, useState } from "preact/hooks";
import { apiKey, request } from "./api";
import { AnalysesList } from "./components/list";
import { ErrorBox } from "./components/error-box";
import { ResultView } from "./components/result";
import { SubmitForm } from "./components/submit-form";
import { PageAnalysesDocument } from "./generated/graphql";
import { ApiError, WRONG_KEY } from "./messages";

type Gate = { kind: "checking" } | { kind: "needs-key"; message?: string } | { kind: "ready"; open: boolean } | { kind: "error"; error: ApiError };

const isUnauthenticated = (e: unknown) => e instanceof ApiError && e.code === "UNAUTHENTICATED";

/** Open server: a query without any key succeeds. Otherwise the stored key is tried. */
async function checkAccess(): Promise<Gate> {
  try {
    await request(PageAnalysesDocument, { first: 1 }, "");
    return { kind: "ready", open: true };
  } catch (e) {
    if (!isUnauthenticated(e)) return { kind: "error", error: e as ApiError };
  }
  const stored = apiKey.get();
  if (!stored) return { kind: "needs-key" };
  try {
    await request(PageAnalysesDocument, { first: 1 }, stored);
    return { kind: "ready", open: false };
  } catch (e) {
    if (!isUnauthenticated(e)) return { kind: "error", error: e as ApiError };
    apiKey.clear();
    return { kind: "needs-key", message: "The saved API key is no longer accepted. " + WRONG_KEY };
  }
}

const routeOf = (hash: string): { view: "home" } | { view: "analysis"; requestId: string } => {
  const m = /^#\/analysis\/(.+)$/.exec(hash);
  return m ? { view: "analysis", requestId: decodeURIComponent(m[1]!) } : { view: "home" };
};

export function App() {
  const [gate, setGate] = useState<Gate>({ kind: "checking" });
  const [route, setRoute] = useState(routeOf(location.hash));
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    void checkAccess().then(setGate);
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  const keyRejected = (message: string) => {
    apiKey.clear();
    setGate({ kind: "needs-key", message });
  };

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Interaction Analytics
        </a>
        <nav>
          <a href="#/">New analysis &amp; list</a>
          <a href="/graphql">GraphQL Sandbox</a>
          {gate.kind === "ready" &&
            (gate.open ? (
              <span class="muted key-status">open server: no key needed</span>
            ) : (
              <button type="button" class="link key-status" onClick={() => keyRejected("")}>
                Change API key
              </button>
            ))}
        </nav>
      </header>
      <main>
        {gate.kind === "checking" && <p class="muted">Connecting…</p>}
        {gate.kind === "error" && <ErrorBox error={gate.error} />}
        {gate.kind === "needs-key" && <KeyForm message={gate.message} onAccepted={() => setGate({ kind: "ready", open: false })} />}
        {gate.kind === "ready" &&
          (route.view === "home" ? (
            <>
              <SubmitForm
                onSubmitted={(id) => {
                  setRefresh(refresh + 1);
                  location.hash = `#/analysis/${encodeURIComponent(id)}`;
                }}
                onKeyRejected={keyRejected}
              />
              <AnalysesList refreshKey={refresh} onKeyRejected={keyRejected} />
            </>
          ) : (
            <>
              <p>
                <a href="#/">← All analyses</a>
              </p>
              <ResultView requestId={route.requestId} onKeyRejected={keyRejected} />
            </>
          ))}
      </main>
    </>
  );
}

function KeyForm({ message, onAccepted }: { message?: string; onAccepted: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<Error | undefined>(message ? new Error(message) : undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const candidate = key.trim();
    if (!candidate) return setError(new Error("Enter your API key."));
    setBusy(true);
    setError(undefined);
    try {
      await request(PageAnalysesDocument, { first: 1 }, candidate);
      apiKey.set(candidate);
      onAccepted();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel narrow" aria-labelledby="key-title">
      <h2 id="key-title">API key</h2>
      <p>This server needs an API key. It is kept for this browser tab only (sessionStorage) and sent with every request.</p>
      <form class="key-form" onSubmit={submit}>
        <input type="password" name="apiKey" autocomplete="off" placeholder="your API key" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>
          {busy ? "Checking…" : "Use this key"}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
    </section>
  );
}
