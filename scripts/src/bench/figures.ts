/** counterValue sums a prom-client counter over its labels, read from a service's registry. */
export async function counterValue(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** percentile reads the p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
