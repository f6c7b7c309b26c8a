/**
 * Collects every unhandled rejection and uncaught exception of the jest process while the calling
 * suite runs (registers its own beforeAll/afterAll): an attack on in-process apps must not crash them.
 */
export function collectCrashes(): unknown[] {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  beforeAll(() => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(() => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });
  return crashes;
}
