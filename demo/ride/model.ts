/** A small linear regression in plain TypeScript: least squares by the normal equations. */

export interface LinearModel {
  /** Names of the features, in the order of `weights` (after the intercept). */
  features: string[];
  intercept: number;
  weights: number[];
}

/**
 * Fits y ~ intercept + X w over the rows listed in `rows` (indexes into the columns).
 * A little ridge (1e-6) keeps the solve stable when a feature is constant.
 */
export function fitLinear(
  features: string[],
  columns: ArrayLike<number>[],
  y: ArrayLike<number>,
  rows: Int32Array,
): LinearModel {
  const k = columns.length + 1;
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  const x = new Float64Array(k);
  x[0] = 1;
  for (let n = 0; n < rows.length; n++) {
    const i = rows[n] as number;
    for (let c = 1; c < k; c++) x[c] = (columns[c - 1] as ArrayLike<number>)[i] as number;
    const target = y[i] as number;
    for (let a = 0; a < k; a++) {
      const xa = x[a] as number;
      xty[a] = (xty[a] as number) + xa * target;
      for (let b = a; b < k; b++) xtx[a * k + b] = (xtx[a * k + b] as number) + xa * (x[b] as number);
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) xtx[a * k + b] = xtx[b * k + a] as number;
    xtx[a * k + a] = (xtx[a * k + a] as number) + 1e-6;
  }
  const w = solve(xtx, xty, k);
  return { features, intercept: w[0] as number, weights: Array.from(w.subarray(1)) };
}

/** Solves A w = b for a k x k system by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const m = Float64Array.from(a);
  const v = Float64Array.from(b);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++)
      if (Math.abs(m[r * k + col] as number) > Math.abs(m[pivot * k + col] as number)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < k; c++) {
        const t = m[col * k + c] as number;
        m[col * k + c] = m[pivot * k + c] as number;
        m[pivot * k + c] = t;
      }
      const t = v[col] as number;
      v[col] = v[pivot] as number;
      v[pivot] = t;
    }
    const p = m[col * k + col] as number;
    for (let r = col + 1; r < k; r++) {
      const f = (m[r * k + col] as number) / p;
      if (f === 0) continue;
      for (let c = col; c < k; c++) m[r * k + c] = (m[r * k + c] as number) - f * (m[col * k + c] as number);
      v[r] = (v[r] as number) - f * (v[col] as number);
    }
  }
  const w = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = v[r] as number;
    for (let c = r + 1; c < k; c++) s -= (m[r * k + c] as number) * (w[c] as number);
    w[r] = s / (m[r * k + r] as number);
  }
  return w;
}

/** The model's prediction for row i of the feature columns. */
export function predict(model: LinearModel, columns: ArrayLike<number>[], i: number): number {
  let y = model.intercept;
  for (let c = 0; c < columns.length; c++)
    y += (model.weights[c] as number) * ((columns[c] as ArrayLike<number>)[i] as number);
  return y;
}

/** Root mean squared error of the model over the listed rows. */
export function rmse(model: LinearModel, columns: ArrayLike<number>[], y: ArrayLike<number>, rows: Int32Array): number {
  let sum = 0;
  for (let n = 0; n < rows.length; n++) {
    const i = rows[n] as number;
    const e = predict(model, columns, i) - (y[i] as number);
    sum += e * e;
  }
  return rows.length === 0 ? 0 : Math.sqrt(sum / rows.length);
}

/** Mean absolute error over the listed rows: unlike RMSE, a few surge fares barely move it. */
export function mae(model: LinearModel, columns: ArrayLike<number>[], y: ArrayLike<number>, rows: Int32Array): number {
  let sum = 0;
  for (let n = 0; n < rows.length; n++) {
    const i = rows[n] as number;
    sum += Math.abs(predict(model, columns, i) - (y[i] as number));
  }
  return rows.length === 0 ? 0 : sum / rows.length;
}
