/**
 * The pipeline's steps as plain data transforms, with no logging: cleaning, feature generation,
 * the train/holdout split, training and inference. pipeline.ts runs them and logs each as a run.
 */
import { KM_PER_MILE, type RawRides, VENDOR_A } from './data.js';
import { fitLinear, type LinearModel, mae, predict, rmse } from './model.js';

/** How cleaning turns meter distances into kilometres. */
export type UnitRule =
  /** Correct: vendor A reports miles, vendor B kilometres. */
  | 'per-vendor'
  /** The planted bug: every meter is taken to report miles, so vendor B's distances grow 1.6x. */
  | 'assume-miles';

export interface CleanRides {
  /** Ride ids of the rows kept, in order. */
  ids: string[];
  km: Float64Array;
  minutes: Float64Array;
  hour: Uint8Array;
  passengers: Uint8Array;
  fare: Float64Array;
  dropped: { badFare: number; noDistance: number; badDuration: number };
}

/** Drops refunds, rides without a distance and stuck meters, and converts distances to km. */
export function clean(raw: RawRides, rule: UnitRule): CleanRides {
  const n = raw.ids.length;
  const keep = new Int32Array(n);
  let kept = 0;
  const dropped = { badFare: 0, noDistance: 0, badDuration: 0 };
  for (let i = 0; i < n; i++) {
    if (!((raw.fare[i] as number) > 0)) dropped.badFare++;
    else if (!((raw.distance[i] as number) > 0)) dropped.noDistance++;
    else if (!((raw.durationMin[i] as number) < 240)) dropped.badDuration++;
    else keep[kept++] = i;
  }
  const out: CleanRides = {
    ids: new Array(kept),
    km: new Float64Array(kept),
    minutes: new Float64Array(kept),
    hour: new Uint8Array(kept),
    passengers: new Uint8Array(kept),
    fare: new Float64Array(kept),
    dropped,
  };
  for (let j = 0; j < kept; j++) {
    const i = keep[j] as number;
    const miles = rule === 'assume-miles' || raw.vendor[i] === VENDOR_A;
    out.ids[j] = raw.ids[i] as string;
    out.km[j] = miles ? (raw.distance[i] as number) * KM_PER_MILE : (raw.distance[i] as number);
    out.minutes[j] = raw.durationMin[i] as number;
    out.hour[j] = raw.hour[i] as number;
    out.passengers[j] = raw.passengers[i] as number;
    out.fare[j] = raw.fare[i] as number;
  }
  return out;
}

export const FEATURES = ['km', 'minutes', 'rush_hour', 'extra_passengers', 'night'];

export interface Features {
  ids: string[];
  columns: Float64Array[];
  fare: Float64Array;
}

/** One row per clean ride, same keys: the model's inputs and the fare to learn. */
export function featuregen(rides: CleanRides): Features {
  const n = rides.ids.length;
  const rush = new Float64Array(n);
  const extra = new Float64Array(n);
  const night = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = rides.hour[i] as number;
    rush[i] = (h >= 7 && h <= 9) || (h >= 16 && h <= 19) ? 1 : 0;
    extra[i] = (rides.passengers[i] as number) - 1;
    night[i] = h < 6 || h >= 22 ? 1 : 0;
  }
  return { ids: rides.ids, columns: [rides.km, rides.minutes, rush, extra, night], fare: rides.fare };
}

/** A stable 80/20 split by ride id, so a ride lands on the same side on every run. */
export function split(features: Features): { train: Int32Array; holdout: Int32Array } {
  const train: number[] = [];
  const holdout: number[] = [];
  for (let i = 0; i < features.ids.length; i++) {
    const id = features.ids[i] as string;
    let h = 2166136261;
    for (let c = 0; c < id.length; c++) h = Math.imul(h ^ id.charCodeAt(c), 16777619);
    ((h >>> 0) % 10 < 8 ? train : holdout).push(i);
  }
  return { train: Int32Array.from(train), holdout: Int32Array.from(holdout) };
}

export function train(features: Features, rows: { train: Int32Array; holdout: Int32Array }) {
  const model = fitLinear(FEATURES, features.columns, features.fare, rows.train);
  return {
    model,
    holdoutRmse: rmse(model, features.columns, features.fare, rows.holdout),
    holdoutMae: mae(model, features.columns, features.fare, rows.holdout),
  };
}

/** Predicted fares for every ride of the day, with one prediction id per ride. */
export function infer(model: LinearModel, features: Features, date: string) {
  const n = features.ids.length;
  const compact = date.replaceAll('-', '');
  const ids: string[] = new Array(n);
  const predicted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = `pred-${compact}-${String(i).padStart(6, '0')}`;
    predicted[i] = predict(model, features.columns, i);
  }
  return { ids, predicted };
}

/** A prediction is wrong when it misses the fare by more than $6 and 30%. */
export function isBadPrediction(predicted: number, fare: number): boolean {
  const error = Math.abs(predicted - fare);
  return error > 6 && error > 0.3 * fare;
}
