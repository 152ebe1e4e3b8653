import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from "type-graphql";
import { ErrorCode, UserInputError, toGraphQLError } from "../../errors/codes.js";
import type { JobRecord } from "../../jobs/types.js";
import { isFinal } from "../../jobs/types.js";
import type { GraphQLContext } from "../context.js";
import { toAnalysis } from "../mappers.js";
import { Analysis, AnalysisConnection, SubmitAnalysisPayload } from "../types/analysis.js";
import { AnalysisStatus } from "../types/enums.js";
import { SubmitAnalysisInput } from "../types/input.js";

/** Runs plain logic and turns its UserInputError into a coded GraphQL error. */
export async function graphqlErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserInputError) throw toGraphQLError(err);
    throw err;
  }
}

/**
 * Subscribe source: checks ownership first so a bad requestId is an error, not a silent
 * stream. The iterator's return() (client gone) aborts the watch at once: an async
 * generator waiting for the next event could not be closed until one arrived, and the bus
 * subscription would outlive the client.
 */
function watchJob(onlyFinal: boolean) {
  return async ({ args, context }: { args: Record<string, unknown>; context: GraphQLContext }) =>
    graphqlErrors(async (): Promise<AsyncIterableIterator<JobRecord>> => {
      const requestId = String(args.requestId);
      if (!(await context.jobs.get(context.owner, requestId))) {
        throw new UserInputError(`requestId: no analysis "${requestId}" for this API key`, "requestId", ErrorCode.NOT_FOUND);
      }
      const abort = new AbortController();
      const stream = context.jobs.watch(context.owner, requestId, abort.signal);
      const iterator: AsyncIterableIterator<JobRecord> = {
        async next() {
          for (;;) {
            const r = await stream.next();
            if (r.done || !onlyFinal || isFinal(r.value.status)) return r;
          }
        },
        async return() {
          abort.abort();
          await stream.return(undefined);
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    });
}

@Resolver()
export class AnalysisResolver {
  @Mutation(() => SubmitAnalysisPayload, { description: "Queues audio for analysis and returns at once." })
  async submitAnalysis(@Arg("input", () => SubmitAnalysisInput) input: SubmitAnalysisInput, @Ctx() ctx: GraphQLContext): Promise<SubmitAnalysisPayload> {
    const job = await graphqlErrors(() =>
      ctx.jobs.submit(ctx.owner, { ...input, url: input.url?.toString(), webhook: input.webhook?.toString() }),
    );
    return { requestId: job.requestId, api: job.api, status: job.status as AnalysisStatus, analysis: toAnalysis(job) };
  }

  @Query(() => Analysis, { nullable: true, description: "One of the caller's analyses; null when unknown or not the caller's." })
  async analysis(@Arg("requestId", () => ID) requestId: string, @Ctx() ctx: GraphQLContext): Promise<Analysis | null> {
    const job = await ctx.jobs.get(ctx.owner, requestId);
    return job ? toAnalysis(job) : null;
  }

  @Query(() => AnalysisConnection, { description: "The caller's analyses, newest first." })
  async analyses(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Arg("after", () => String, { nullable: true }) after: string | undefined,
    @Arg("status", () => AnalysisStatus, { nullable: true }) status: AnalysisStatus | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AnalysisConnection> {
    const page = await graphqlErrors(() => ctx.jobs.list(ctx.owner, first, after ?? undefined, status ?? undefined));
    return {
      nodes: page.items.map(toAnalysis),
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
      totalCount: page.totalCount,
    };
  }

  @Subscription(() => Analysis, {
    description: "The final state (COMPLETED or FAILED) of one analysis; at once if it has already finished.",
    subscribe: watchJob(true),
  })
  analysisCompleted(@Root() job: JobRecord, @Arg("requestId", () => ID) _requestId: string): Analysis {
    return toAnalysis(job);
  }

  @Subscription(() => Analysis, {
    description: "Every status or progress change of one analysis, starting with the current state.",
    subscribe: watchJob(false),
  })
  analysisUpdated(@Root() job: JobRecord, @Arg("requestId", () => ID) _requestId: string): Analysis {
    return toAnalysis(job);
  }
}
