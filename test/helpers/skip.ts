// node:test took `{ skip: 'why' }`; vitest's `skip` option is a boolean. skipWith keeps the why: the
// test or suite is skipped statically (so a skipped suite's hooks do not run, as under node:test)
// and the reason is printed once per file, so a skip never goes unexplained in the run's output.
// Inside a running test, `ctx.skip('why')` does the same and vitest shows the note beside the test.
const told = new Set<string>();

/** `reason` is why to skip (a string), or false/undefined/'' to run. Returns vitest's `skip` flag. */
export function skipWith(reason: string | boolean | null | undefined): boolean {
  if (!reason) return false;
  const why = reason === true ? 'skipped without a reason' : reason;
  if (!told.has(why)) {
    told.add(why);
    console.warn(`skipped: ${why}`);
  }
  return true;
}
