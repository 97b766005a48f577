/**
 * OpenLineage on the pipetrace server, as Marquez offers it:
 * - `POST /api/v1/lineage`: one event (201) or an array of events (200); 400 names the bad field.
 * - `GET /api/v1/lineage?nodeId=dataset:NS:NAME|job:NS:NAME&depth=N`: the lineage graph in
 *   Marquez's shape, `{ graph: [{ id, type, data, inEdges, outEdges }] }`.
 *
 * Pass `openLineageRoutes()` in the server's `routes` option (or the server adds it by default).
 */
import { invalid } from '../../src/errors.js';
import { type IngestOptions, ingestEvents } from '../../src/openlineage/ingest.js';
import { type MarquezLineageOptions, marquezLineage } from '../../src/openlineage/marquez.js';
import type { NamingOptions } from '../../src/openlineage/types.js';
import { json, type Route } from './router.js';

export const LINEAGE_PATH = '/api/v1/lineage';

export interface OpenLineageRouteOptions extends NamingOptions {
  /** Runs without a terminal event: kept pending (default) or logged as failed at once. */
  pending?: IngestOptions['pending'];
  /** Newest runs read per component or pointer when building the graph. Default 1000. */
  runLimit?: number;
}

function depthOf(value: string | null): number {
  if (value === null || value === '') return 20;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw invalid('depth', `must be an integer from 0 to 100, got ${JSON.stringify(value.slice(0, 20))}`);
  return n;
}

export function openLineageRoutes(options: OpenLineageRouteOptions = {}): Route[] {
  const naming: NamingOptions = {};
  if (options.jobNamespace !== undefined) naming.jobNamespace = options.jobNamespace;
  if (options.datasetNamespace !== undefined) naming.datasetNamespace = options.datasetNamespace;
  return [
    {
      method: 'POST',
      path: LINEAGE_PATH,
      access: 'write',
      body: 'json',
      summary: 'ingest OpenLineage events (one, or an array)',
      async handle(ctx) {
        const pt = await ctx.api();
        const result = await ingestEvents(pt, ctx.body, { ...naming, pending: options.pending ?? 'keep' });
        return json(
          {
            events: result.events,
            runs: result.runs.map((r) => r.id),
            pending: result.pending,
            components: result.components,
            datasets: result.datasets,
          },
          Array.isArray(ctx.body) ? 200 : 201,
        );
      },
    },
    {
      method: 'GET',
      path: LINEAGE_PATH,
      access: 'read',
      summary: 'the Marquez-shaped lineage graph around nodeId (dataset:NS:NAME or job:NS:NAME)',
      async handle(ctx) {
        const nodeId = ctx.query.get('nodeId');
        if (nodeId === null || nodeId === '')
          throw invalid('nodeId', 'is required (dataset:NAMESPACE:NAME or job:NAMESPACE:NAME)');
        const graphOptions: MarquezLineageOptions = { ...naming, depth: depthOf(ctx.query.get('depth')) };
        if (options.runLimit !== undefined) graphOptions.runLimit = options.runLimit;
        return json(await marquezLineage(ctx.store, nodeId, graphOptions));
      },
    },
  ];
}
