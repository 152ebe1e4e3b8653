/** The key's analyses, newest first, a page at a time; refreshed while any of them runs. */
import { useEffect, useState } from "preact/hooks";
import { request } from "../api";
import { PageAnalysesDocument, type PageAnalysesQuery } from "../generated/graphql";
import { clock, durationOf } from "../format";
import { ApiError } from "../messages";
import { ErrorBox } from "./error-box";

const PAGE = 10;
type Page = PageAnalysesQuery["analyses"];

export function AnalysesList({ refreshKey, onKeyRejected }: { refreshKey: number; onKeyRejected: (message: string) => void }) {
  // cursors[i] is the `after` of page i (undefined for the first page)
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const after = cursors[cursors.length - 1];

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      request(PageAnalysesDocument, { first: PAGE, after })
        .then((d) => {
          if (stopped) return;
          setPage(d.analyses);
          setError(undefined);
          if (d.analyses.nodes.some((n) => n.status === "QUEUED" || n.status === "RUNNING")) timer = setTimeout(load, 2000);
        })
        .catch((e: ApiError) => {
          if (stopped) return;
          if (e.code === "UNAUTHENTICATED") onKeyRejected(e.message);
          setError(e);
        });
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [after, refreshKey]);

  return (
    <section class="panel" aria-labelledby="list-title">
      <h2 id="list-title">Your analyses{page ? ` (${page.totalCount})` : ""}</h2>
      {error && <ErrorBox error={error} />}
      {page && page.nodes.length === 0 && <p class="muted">None yet: submit a recording above.</p>}
      {page && page.nodes.length > 0 && (
        <table class="analyses">
          <thead>
            <tr>
              <th>Submitted</th>
              <th>Status</th>
              <th>Duration</th>
              <th>Speakers</th>
              <th>Request id</th>
            </tr>
          </thead>
          <tbody>
            {page.nodes.map((n) => (
              <tr key={n.requestId} data-request-id={n.requestId} data-status={n.status} onClick={() => (location.hash = `#/analysis/${encodeURIComponent(n.requestId)}`)}>
                <td>{new Date(n.submittedAt).toLocaleString()}</td>
                <td>
                  <span class={`status status-${n.status.toLowerCase()}`}>
                    {n.status === "RUNNING" ? `running ${Math.round((n.progress ?? 0) * 100)} %` : n.status.toLowerCase()}
                  </span>
                </td>
                <td>{n.result ? clock(durationOf(n.result), 0) : "—"}</td>
                <td>{n.result ? n.result.numSpeakers : "—"}</td>
                <td>
                  <a href={`#/analysis/${encodeURIComponent(n.requestId)}`}>{n.requestId}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && (cursors.length > 1 || page.pageInfo.hasNextPage) && (
        <div class="pager">
          <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Newer
          </button>
          <span class="muted">page {cursors.length}</span>
          <button
            type="button"
            class="secondary"
            disabled={!page.pageInfo.hasNextPage}
            onClick={() => page.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor])}
          >
            Older →
          </button>
        </div>
      )}
    </section>
  );
}
