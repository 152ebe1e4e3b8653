import type { ApiError } from "../messages";

/** An error as a person reads it: what happened and what to do, then the server's own words. */
export function ErrorBox({ error }: { error: Error }) {
  const detail = (error as ApiError).detail;
  return (
    <div class="error" role="alert" data-code={(error as ApiError).code}>
      <p>{error.message}</p>
      {detail && <p class="detail">Details from the server: {detail}</p>}
    </div>
  );
}
