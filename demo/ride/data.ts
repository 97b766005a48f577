/**
 * Synthetic ride-fare data, deterministic for a seed: a day of rides as columns (typed arrays),
 * with the dirt a real feed has (refunds with zero or negative fares, missing distances, stuck
 * meters) and two vendors that report distance in different units.
 */

/** A small seeded PRNG (mulberry32): fast, and the same stream in every engine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
export function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Vendor A's meters report miles; vendor B's report kilometres. */
export const VENDOR_A = 0;
export const VENDOR_B = 1;
export const KM_PER_MILE = 1.609344;

/** One day of raw rides, column by column; row i of every column is ride `ids[i]`. */
export interface RawRides {
  date: string;
  ids: string[];
  vendor: Uint8Array;
  /** In the vendor's unit (miles for A, km for B); NaN when the meter sent nothing. */
  distance: Float64Array;
  durationMin: Float64Array;
  hour: Uint8Array;
  passengers: Uint8Array;
  fare: Float64Array;
}

/** The fare a ride should cost: what the model is meant to learn. */
export function trueFare(km: number, minutes: number, hour: number, passengers: number): number {
  const rush = (hour >= 7 && hour <= 9) || (hour >= 16 && hour <= 19) ? 1 : 0;
  return 3 + 1.25 * km + 0.32 * minutes + 2.5 * rush + 0.6 * (passengers - 1);
}

/** Generates `rows` rides for a day. The same (seed, day, rows) always gives the same rides. */
export function generateRides(seed: number, day: number, date: string, rows: number): RawRides {
  const random = rng((seed * 1_000_003 + day * 7919) >>> 0);
  const compact = date.replaceAll('-', '');
  const r: RawRides = {
    date,
    ids: new Array(rows),
    vendor: new Uint8Array(rows),
    distance: new Float64Array(rows),
    durationMin: new Float64Array(rows),
    hour: new Uint8Array(rows),
    passengers: new Uint8Array(rows),
    fare: new Float64Array(rows),
  };
  for (let i = 0; i < rows; i++) {
    r.ids[i] = `ride-${compact}-${String(i).padStart(6, '0')}`;
    const vendor = random() < 0.35 ? VENDOR_B : VENDOR_A;
    // Trip lengths are long-tailed: most rides are short, a few cross the city.
    const km = Math.min(60, 0.4 + -Math.log(Math.max(random(), 1e-9)) * 5.5);
    const hour = Math.floor(random() * 24);
    const speed = 18 + 14 * random() - (hour >= 16 && hour <= 19 ? 6 : 0);
    const minutes = Math.max(1.5, (km / speed) * 60 + 2 * normal(random));
    const passengers = 1 + Math.floor(random() ** 2 * 4);
    let fare = trueFare(km, minutes, hour, passengers) + 0.9 * normal(random);
    // Surge pricing on a few rides: real, and no model here can predict it.
    if (random() < 0.006) fare *= 1.9;
    const dirt = random();
    r.vendor[i] = vendor;
    r.distance[i] = vendor === VENDOR_A ? km / KM_PER_MILE : km;
    r.durationMin[i] = minutes;
    r.hour[i] = hour;
    r.passengers[i] = passengers;
    r.fare[i] = Math.round(fare * 100) / 100;
    if (dirt < 0.015)
      r.fare[i] = dirt < 0.005 ? 0 : -(r.fare[i] as number); // refunds and test rides
    else if (dirt < 0.025)
      r.distance[i] = Number.NaN; // the meter sent nothing
    else if (dirt < 0.028) r.durationMin[i] = 600 + 600 * random(); // a meter left running
  }
  return r;
}
