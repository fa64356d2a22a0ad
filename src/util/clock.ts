// Milliseconds from an arbitrary origin, for durations. Not performance.now(): its first use loads
// perf_hooks (nine internal modules), which `virtcompat plan` would pay on every run for timings it
// rarely prints.
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
