/**
 * The lineage graph in the shape Marquez's `GET /api/v1/lineage?nodeId=...&depth=N` returns,
 * so tools written for Marquez can read from pipetrace: components are JOB nodes, pointers are
 * DATASET nodes, a run's inputs are edges dataset → job and its outputs job → dataset.
 */
import { invalid, notFound } from '../errors.js';
import type { Component, Run } from '../model.js';
import type { Store } from '../store.js';
import { type StoreSource, storeOf } from './export-store.js';
import {
  componentToJob,
  type DatasetName,
  datasetNodeId,
  datasetToPointer,
  jobNodeId,
  jobToComponent,
  pointerToDataset,
  splitNodeName,
} from './naming.js';
import type { NamingOptions } from './types.js';
import { runIdToUuid } from './uuid.js';

export interface MarquezEdge {
  origin: string;
  destination: string;
}

export interface MarquezNode {
  id: string;
  type: 'DATASET' | 'JOB';
  data: Record<string, unknown>;
  inEdges: MarquezEdge[];
  outEdges: MarquezEdge[];
}

export interface MarquezGraph {
  graph: MarquezNode[];
}

export interface MarquezLineageOptions extends NamingOptions {
  /** Job hops from the start node, up and down stream. Default 20 (as Marquez). */
  depth?: number;
  /** Newest runs read per component or pointer. Default 1000. */
  runLimit?: number;
  /** Stop expanding past this many nodes. Default 5000. */
  maxNodes?: number;
}

interface JobInfo {
  inputs: Set<string>;
  outputs: Set<string>;
  latest?: Run;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

async function exists(store: Store, scan: { input?: string; output?: string; component?: string }): Promise<boolean> {
  return (await store.scanRuns({ ...scan, limit: 1 })).runs.length > 0;
}

/** The pointer or component a Marquez node id names, trying each way to split it. */
async function resolve(
  store: Store,
  nodeId: string,
  options: NamingOptions,
): Promise<{ kind: 'dataset' | 'job'; name: string }> {
  const match = /^(dataset|job):(.+)$/s.exec(nodeId);
  if (match === null)
    throw invalid(
      'nodeId',
      `must be dataset:NAMESPACE:NAME or job:NAMESPACE:NAME, got ${JSON.stringify(nodeId.slice(0, 200))}`,
    );
  const kind = match[1] as 'dataset' | 'job';
  for (const candidate of splitNodeName(match[2]!)) {
    if (kind === 'dataset') {
      const pointer = datasetToPointer(candidate, options);
      if ((await exists(store, { output: pointer })) || (await exists(store, { input: pointer })))
        return { kind, name: pointer };
    } else {
      const component = jobToComponent(candidate, options);
      const [found] = await store.getComponents([component]);
      if (found !== undefined || (await exists(store, { component }))) return { kind, name: component };
    }
  }
  throw notFound(kind, nodeId);
}

/** The Marquez-shaped lineage graph around `nodeId` (`dataset:NS:NAME` or `job:NS:NAME`). */
export async function marquezLineage(
  source: StoreSource,
  nodeId: string,
  options: MarquezLineageOptions = {},
): Promise<MarquezGraph> {
  const store = storeOf(source);
  const depth = options.depth ?? 20;
  if (!Number.isInteger(depth) || depth < 0 || depth > 1000)
    throw invalid('depth', `must be an integer from 0 to 1000, got ${depth}`);
  const runLimit = options.runLimit ?? 1000;
  const maxNodes = options.maxNodes ?? 5000;
  const start = await resolve(store, nodeId, options);

  const jobs = new Map<string, JobInfo>();
  const pointerJobs = new Map<string, { writers: Set<string>; readers: Set<string>; lastModified?: number }>();
  const loadJob = async (name: string): Promise<JobInfo> => {
    const page = await store.scanRuns({ component: name, order: 'desc', limit: runLimit });
    const info: JobInfo = { inputs: new Set(), outputs: new Set() };
    if (page.runs[0] !== undefined) info.latest = page.runs[0];
    for (const run of page.runs) {
      for (const p of run.inputs) info.inputs.add(p);
      for (const p of run.outputs) info.outputs.add(p);
    }
    return info;
  };
  const loadPointer = async (pointer: string) => {
    const [written, read] = await Promise.all([
      store.scanRuns({ output: pointer, order: 'desc', limit: runLimit }),
      store.scanRuns({ input: pointer, order: 'desc', limit: runLimit }),
    ]);
    const entry = {
      writers: new Set(written.runs.map((r) => r.component)),
      readers: new Set(read.runs.map((r) => r.component)),
      lastModified: written.runs.find((r) => r.status === 'succeeded')?.endedAt,
    };
    pointerJobs.set(pointer, entry);
    return entry;
  };

  // Breadth-first over jobs: distance 0 for the start job, or the jobs touching the start dataset.
  let frontier: string[] = [];
  if (start.kind === 'job') frontier = [start.name];
  else {
    const p = await loadPointer(start.name);
    frontier = [...new Set([...p.writers, ...p.readers])];
  }
  const pointers = new Set<string>(start.kind === 'dataset' ? [start.name] : []);
  for (let level = 0; level <= depth && frontier.length > 0; level++) {
    const fresh = frontier.filter((name) => !jobs.has(name));
    const infos = await Promise.all(fresh.map(loadJob));
    const next = new Set<string>();
    for (const [i, name] of fresh.entries()) {
      const info = infos[i]!;
      jobs.set(name, info);
      for (const p of [...info.inputs, ...info.outputs]) pointers.add(p);
    }
    if (level === depth || jobs.size + pointers.size >= maxNodes) break;
    for (const info of infos) {
      for (const p of [...info.inputs, ...info.outputs]) {
        const entry = pointerJobs.get(p) ?? (await loadPointer(p));
        for (const j of [...entry.writers, ...entry.readers]) if (!jobs.has(j)) next.add(j);
      }
    }
    frontier = [...next];
  }
  for (const p of pointers) if (!pointerJobs.has(p)) await loadPointer(p);

  const components = new Map<string, Component | undefined>();
  const names = [...jobs.keys()];
  for (const [i, c] of (await store.getComponents(names)).entries()) components.set(names[i]!, c);
  const flagged = new Map<string, boolean>();
  const pointerList = [...pointers];
  for (const [i, p] of (await store.getPointers(pointerList)).entries())
    flagged.set(pointerList[i]!, p?.flagged ?? false);

  const nodes = new Map<string, MarquezNode>();
  const datasetId = (p: string) => datasetNodeId(pointerToDataset(p, options));
  const ref = (d: DatasetName) => ({ namespace: d.namespace, name: d.name });
  for (const p of pointers) {
    const d = pointerToDataset(p, options);
    const entry = pointerJobs.get(p);
    nodes.set(datasetId(p), {
      id: datasetId(p),
      type: 'DATASET',
      data: {
        id: ref(d),
        type: 'DB_TABLE',
        name: d.name,
        physicalName: d.name,
        namespace: d.namespace,
        sourceName: d.namespace,
        createdAt: null,
        updatedAt: iso(entry?.lastModified),
        lastModifiedAt: iso(entry?.lastModified),
        fields: [],
        tags: flagged.get(p) ? ['FLAGGED'] : [],
        description: null,
        facets: {},
        pointer: p,
      },
      inEdges: [],
      outEdges: [],
    });
  }
  for (const [name, info] of jobs) {
    const job = componentToJob(name, options);
    const id = jobNodeId(job);
    const component = components.get(name);
    const latest = info.latest;
    const node: MarquezNode = {
      id,
      type: 'JOB',
      data: {
        id: ref(job),
        type: 'BATCH',
        name: job.name,
        simpleName: job.name,
        parentJobName: null,
        namespace: job.namespace,
        createdAt: iso(component?.createdAt),
        updatedAt: iso(component?.updatedAt ?? latest?.endedAt),
        inputs: [...info.inputs].map((p) => ref(pointerToDataset(p, options))),
        outputs: [...info.outputs].map((p) => ref(pointerToDataset(p, options))),
        location: null,
        description: component?.description || null,
        facets: {},
        latestRun:
          latest === undefined
            ? null
            : {
                id: runIdToUuid(latest.id),
                createdAt: iso(latest.startedAt),
                updatedAt: iso(latest.endedAt),
                nominalStartTime: iso(latest.startedAt),
                nominalEndTime: iso(latest.endedAt),
                state: latest.status === 'succeeded' ? 'COMPLETED' : 'FAILED',
                startedAt: iso(latest.startedAt),
                endedAt: iso(latest.endedAt),
                durationMs: latest.endedAt - latest.startedAt,
                args: {},
                facets: {},
              },
        component: name,
      },
      inEdges: [],
      outEdges: [],
    };
    nodes.set(id, node);
    for (const p of info.inputs) {
      const edge = { origin: datasetId(p), destination: id };
      node.inEdges.push(edge);
      nodes.get(edge.origin)?.outEdges.push(edge);
    }
    for (const p of info.outputs) {
      const edge = { origin: id, destination: datasetId(p) };
      node.outEdges.push(edge);
      nodes.get(edge.destination)?.inEdges.push(edge);
    }
  }
  return { graph: [...nodes.values()] };
}
