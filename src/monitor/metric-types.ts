/** The shape of a metric family and its series, shared by the run and the task families. */

export type MetricType = 'counter' | 'gauge';

/** A family as Prometheus names it: base units, `_total` on counters, a fixed set of labels. */
export interface MetricFamilyDef {
  name: string;
  help: string;
  type: MetricType;
  labelNames: readonly string[];
  /** How series beyond the cap fold into the one overflow series: summed, or their maximum. */
  fold: 'sum' | 'max';
}

export interface MetricSeries {
  labels: Record<string, string>;
  value: number;
}
