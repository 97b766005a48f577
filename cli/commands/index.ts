/**
 * The command registry: name -> a loader, so `pipetrace X` only loads what X needs.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from '../command.js';

export const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serve,
  demo: async () => (await import('./demo.js')).demo,
  recent: async () => (await import('./recent.js')).recent,
  history: async () => (await import('./history.js')).history,
  inspect: async () => (await import('./inspect.js')).inspect,
  trace: async () => (await import('./trace.js')).trace,
  'trace-row': async () => (await import('./trace-row.js')).traceRowCommand,
  impact: async () => (await import('./trace-row.js')).impactCommand,
  flag: async () => (await import('./flag.js')).flag,
  unflag: async () => (await import('./flag.js')).unflag,
  review: async () => (await import('./review.js')).review,
  components: async () => (await import('./components.js')).components,
  tags: async () => (await import('./components.js')).tags,
  staleness: async () => (await import('./staleness.js')).staleness,
  import: async () => (await import('./import.js')).importCommand,
  export: async () => (await import('./export.js')).exportCommand,
  component: async () => (await import('./component.js')).component,
  tag: async () => (await import('./component.js')).tag,
  note: async () => (await import('./note.js')).note,
  copy: async () => (await import('./copy.js')).copyCommand,
  compact: async () => (await import('./compact.js')).compact,
  'reclaim-rows': async () => (await import('./reclaim-rows.js')).reclaimRows,
  drift: async () => (await import('./drift.js')).drift,
  monitor: async () => (await import('./drift.js')).monitor,
  metrics: async () => (await import('./metrics.js')).metrics,
  label: async () => (await import('./labels.js')).label,
  labelled: async () => (await import('./labels.js')).labelled,
  retract: async () => (await import('./labels.js')).retract,
  retractions: async () => (await import('./labels.js')).retractions,
};
