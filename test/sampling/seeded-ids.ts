/** Trace ids from a seeded generator (splitmix32), so statistical tests are reproducible. */
export function seededTraceIds(seed: number): () => string {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return () => {
    let id = '';
    for (let i = 0; i < 4; i++) id += next().toString(16).padStart(8, '0');
    return id;
  };
}
